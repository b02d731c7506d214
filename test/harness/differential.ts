// The differential harness: one playbook run by ansible-playbook 2.14 and by kplay, on hosts h1
// and h2 (local connection), each engine in its own temp tree writing under out/. Compared: the
// files the plays leave (what ran, with what values and modes), the recap and the exit status,
// never the engines' wording.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { expect } from "vitest";

const KPLAY = resolve("bin/kplay.js");
const HOST = "{ ansible_connection: local, ansible_python_interpreter: /usr/bin/python3 }";

const RECAP =
  /^(h\d|localhost)\s*: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+)/gm;

export interface EngineRun {
  files: Record<string, string>;
  recap: string[];
  status: number | null;
  output: string;
}

/** Run a playbook with one engine on h1 and h2 (local); the files it left under out/ (mode and content) and its recap. */
export function runWith(
  engine: "ansible" | "kplay",
  play: {
    main: (out: string) => string;
    templates?: Record<string, string>;
    files?: (out: string) => Record<string, string>;
    hostVars?: string;
    /** More command-line options, the same for both engines (--tags …). */
    cli?: string[];
  },
): EngineRun {
  const dir = mkdtempSync(join(tmpdir(), `kplay-diff-${engine}-`));
  const out = join(dir, "out");
  execFileSync("mkdir", ["-p", out, join(dir, "templates")]);
  for (const [name, text] of Object.entries(play.templates ?? {})) writeFileSync(join(dir, "templates", name), text);
  for (const [name, text] of Object.entries(play.files?.(out) ?? {})) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  writeFileSync(join(dir, "play.yml"), play.main(out));
  const h2 = play.hostVars ? HOST.replace(" }", `, ${play.hostVars} }`) : HOST;
  writeFileSync(join(dir, "inv.yml"), `all:\n  hosts:\n    h1: ${HOST}\n    h2: ${h2}\n`);
  const args = ["-i", join(dir, "inv.yml"), join(dir, "play.yml"), ...(play.cli ?? [])];
  const env = { ...process.env, ANSIBLE_NOCOLOR: "1", NO_COLOR: "1" };
  const r =
    engine === "ansible"
      ? spawnSync("ansible-playbook", args, { encoding: "utf8", env })
      : spawnSync("node", [KPLAY, "run", ...args, "--state-dir", join(dir, "state")], { encoding: "utf8", env });
  const files: Record<string, string> = {};
  for (const f of readdirSync(out)) {
    const st = statSync(join(out, f));
    const mode = (st.mode & 0o7777).toString(8);
    files[f] = st.isDirectory() ? `${mode} (directory)` : `${mode} ${readFileSync(join(out, f), "utf8")}`;
  }
  const recap = [...r.stdout.matchAll(RECAP)].map((m) => m.slice(1).join(" "));
  return { files, recap, status: r.status, output: r.stdout + r.stderr };
}

export type DiffPlay = Parameters<typeof runWith>[1];

/** Run `play` with both engines: they must end alike (exit status, files left, recap); kplay's run is returned. */
export function sameAsAnsible(play: DiffPlay, status = 0): EngineRun {
  const kplay = runWith("kplay", play);
  const ansible = runWith("ansible", play);
  expect(ansible.status, ansible.output).toBe(status);
  expect(kplay.status, kplay.output).toBe(status);
  expect(kplay.files).toEqual(ansible.files);
  expect(kplay.recap).toEqual(ansible.recap);
  return kplay;
}
