// The differential harness: one playbook run by ansible-playbook 2.14 and by kplay, on hosts h1
// and h2 (local connection), each engine in its own temp tree writing under out/, both at once.
// Compared: the files the plays leave (what ran, with what values and modes), the recap and the
// exit status, never the engines' wording.
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
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

/** A case as both engines get it: the playbook and files (made for an output directory), inventory and options. */
export interface DiffPlay {
  main: (out: string) => string;
  templates?: Record<string, string>;
  files?: (out: string) => Record<string, string>;
  hostVars?: string;
  /** h2's whole entry instead of the local connection (a host reached over SSH, or not at all). */
  h2?: string;
  /** More command-line options, the same for both engines (--tags …). */
  cli?: string[];
  /** The case changes the machine itself (accounts, groups): the engines run one after the other. */
  serial?: boolean;
}

/** Run a playbook with one engine on h1 and h2 (local); the files it left under out/ (mode and content) and its recap. */
export async function runWith(engine: "ansible" | "kplay", play: DiffPlay): Promise<EngineRun> {
  return engine === "ansible" ? ansibleRun(play) : runEngine("kplay", play);
}

/** Both engines on the same case at once (ansible-playbook from its recording when it has one). */
export async function runBoth(play: DiffPlay): Promise<[kplay: EngineRun, ansible: EngineRun]> {
  if (play.serial) return [await runWith("kplay", play), await runWith("ansible", play)];
  return Promise.all([runWith("kplay", play), runWith("ansible", play)]);
}

/** Run `play` with both engines: they must end alike (exit status, files left, recap); kplay's run is returned. */
export async function sameAsAnsible(play: DiffPlay, status = 0): Promise<EngineRun> {
  const [kplay, ansible] = await runBoth(play);
  expect(ansible.status, ansible.output).toBe(status);
  expect(kplay.status, kplay.output).toBe(status);
  expect(kplay.files).toEqual(ansible.files);
  expect(kplay.recap).toEqual(ansible.recap);
  return kplay;
}

async function runEngine(engine: "ansible" | "kplay", play: DiffPlay): Promise<EngineRun> {
  const dir = mkdtempSync(join(tmpdir(), `kplay-diff-${engine}-`));
  const out = join(dir, "out");
  mkdirSync(out, { recursive: true });
  mkdirSync(join(dir, "templates"), { recursive: true });
  for (const [name, text] of Object.entries(play.templates ?? {})) writeFileSync(join(dir, "templates", name), text);
  for (const [name, text] of Object.entries(play.files?.(out) ?? {})) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  writeFileSync(join(dir, "play.yml"), play.main(out));
  writeFileSync(join(dir, "inv.yml"), inventory(play));
  const args = ["-i", join(dir, "inv.yml"), join(dir, "play.yml"), ...(play.cli ?? [])];
  const r =
    engine === "ansible"
      ? await run("ansible-playbook", args)
      : await run(process.execPath, [KPLAY, "run", ...args, "--state-dir", join(dir, "state")]);
  const files: Record<string, string> = {};
  for (const f of readdirSync(out)) {
    const st = statSync(join(out, f));
    const mode = (st.mode & 0o7777).toString(8);
    files[f] = st.isDirectory() ? `${mode} (directory)` : `${mode} ${readFileSync(join(out, f), "utf8")}`;
  }
  const recap = [...r.stdout.matchAll(RECAP)].map((m) => m.slice(1).join(" "));
  return { files, recap, status: r.status, output: (r.stdout + r.stderr).split(dir).join("DIR") };
}

function inventory(play: DiffPlay): string {
  const h2 = play.h2 ?? (play.hostVars ? HOST.replace(" }", `, ${play.hostVars} }`) : HOST);
  return `all:\n  hosts:\n    h1: ${HOST}\n    h2: ${h2}\n`;
}

/**
 * Run an engine's command to its end: exit status and whole output (colour off for both engines).
 * An engine still running after `limitMs` is killed and its output so far returned with the
 * reason, so a hang fails the case with what the engine was doing instead of a bare test timeout.
 */
export function run(
  cmd: string,
  args: string[],
  o: { cwd?: string; env?: Record<string, string>; limitMs?: number } = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const { limitMs = 200_000 } = o;
  return new Promise((res, rej) => {
    const env = { ...process.env, ANSIBLE_NOCOLOR: "1", NO_COLOR: "1", ...o.env };
    const child = spawn(cmd, args, { cwd: o.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, limitMs);
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", rej);
    child.on("close", (status) => {
      clearTimeout(timer);
      const why = killed ? `\n(killed by the test harness after ${limitMs / 1000} s)\n` : "";
      res({ status, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") + why });
    });
  });
}

// ---- Ansible's recorded runs
//
// What ansible-playbook did with a case is kept in test/differential/recordings/KEY.json, KEY the
// sha256 of everything the case gives it (playbook, files, templates, inventory, options, the
// ansible-core version). A case whose input changed has no recording under its new key: it is
// run by ansible-playbook again and recorded (KPLAY_RECORD=1 re-runs every case). Under CI a
// missing recording fails the case, so every comparison is with a real run of that exact input.

const RECORDINGS = resolve(import.meta.dirname, "../differential/recordings");
let ansibleVersion: string | undefined;

/** The recording key of a case: its input with the output directory as a placeholder. */
export function recordingKey(play: DiffPlay): string {
  ansibleVersion ??= execFileSync("ansible-playbook", ["--version"], { encoding: "utf8" }).split("\n")[0];
  const input = {
    ansible: ansibleVersion,
    main: play.main("/OUT"),
    files: play.files?.("/OUT") ?? {},
    templates: play.templates ?? {},
    inventory: inventory(play),
    cli: play.cli ?? [],
  };
  return createHash("sha256").update(JSON.stringify(input)).digest("hex").slice(0, 32);
}

async function ansibleRun(play: DiffPlay): Promise<EngineRun> {
  const key = recordingKey(play);
  const file = join(RECORDINGS, `${key}.json`);
  if (!process.env.KPLAY_RECORD && existsSync(file)) {
    const rec = JSON.parse(readFileSync(file, "utf8")) as EngineRun & { key: string };
    return { files: rec.files, recap: rec.recap, status: rec.status, output: `(recorded) ${rec.output}` };
  }
  if (process.env.CI && !process.env.KPLAY_RECORD)
    throw new Error(
      `no recording of ansible-playbook for this case (key ${key}): run "npm run test:record" and commit ` +
        "test/differential/recordings/",
    );
  const r = await runEngine("ansible", play);
  mkdirSync(RECORDINGS, { recursive: true });
  const rec = { key, ansible: ansibleVersion, ...r, output: r.output.slice(-4000) };
  writeFileSync(file, `${JSON.stringify(rec, null, 1)}\n`);
  return r;
}

/** Steps of a module case: a name and the task's arguments in flow style (OUT: the output directory). */
export type ModuleSteps = Array<[name: string, args: string]>;

/**
 * Each step as two tasks — the module by its FQCN, then by its short name, the same arguments —
 * registered as NAME_1 and NAME_2 (a second run must find nothing to change).
 */
export function twiceEach(steps: ModuleSteps, module: { fqcn: string; short: string }, out: string): string {
  const reg = (name: string) => name.replace(/-/g, "_");
  return steps
    .map(
      ([name, args]) =>
        `    - ${module.fqcn}: { ${args.replace(/OUT/g, out)} }\n      register: ${reg(name)}_1\n` +
        `    - ${module.short}: { ${args.replace(/OUT/g, out)} }\n      register: ${reg(name)}_2\n`,
    )
    .join("");
}

/** Lines of a results file: for each step, changed and msg of both runs (`indent`: the block's indent). */
export function twiceResults(steps: ModuleSteps, indent: string, msg = (r: string) => `{{ ${r}.msg }}`): string {
  return steps
    .map(([name]) => {
      const r = name.replace(/-/g, "_");
      return `${indent}${name}: {{ ${r}_1.changed }} ${msg(`${r}_1`)} / {{ ${r}_2.changed }} ${msg(`${r}_2`)}`;
    })
    .join("\n");
}
