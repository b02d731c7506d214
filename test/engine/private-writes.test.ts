// A file written with mode 0600 is private from its first byte: another local user polling the
// destination directory (here `nobody`, reading every file in it as fast as it can while kplay
// writes) never reads a byte of it — new files, files replacing an existing 0600 file, files
// whose old mode was wider, symbolic modes, get_url's downloads and template's output alike.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, watch, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runWith } from "../harness/differential.js";

const SECRETS = 6;
/** Big enough that writing one takes many of the poller's rounds. */
const secret = (i: number) => `-----BEGIN SECRET ${i}-----\n${`k${i}`.repeat(400_000)}\n-----END-----\n`;

/** `nobody` reads every file in `dir` until `stop` exists; what it could read is appended to `leak`. */
function poller(dir: string): { saw: (text: string) => Promise<void>; stop: () => Promise<string> } {
  const leak = join(mkdtempSync(join(tmpdir(), "kplay-leak-")), "leak");
  writeFileSync(leak, "");
  chmodSync(leak, 0o666);
  chmodSync(join(leak, ".."), 0o755);
  const stopFile = join(dir, "..", "stop-poller");
  const loop = `while [ ! -e "$1" ]; do for f in "$2"/* "$2"/.[!.]*; do head -c 64 -- "$f" 2>/dev/null; done; done >> "$3"`;
  const child = spawn("setpriv", [
    "--reuid=65534",
    "--regid=65534",
    "--clear-groups",
    "sh",
    "-c",
    loop,
    "sh",
    stopFile,
    dir,
    leak,
  ]);
  const ended = new Promise<void>((res) => child.on("exit", () => res()));
  return {
    // the leak file changing is the event; 30 s is only the deadline
    saw: (text) =>
      new Promise<void>((res, rej) => {
        const done = (err?: Error) => (watcher.close(), clearTimeout(deadline), err ? rej(err) : res());
        const check = () => readFileSync(leak, "utf8").includes(text) && done();
        const watcher = watch(leak, check);
        const deadline = setTimeout(() => done(new Error(`the poller never read "${text}"`)), 30_000);
        check();
      }),
    stop: async () => {
      writeFileSync(stopFile, "");
      await ended;
      return readFileSync(leak, "utf8");
    },
  };
}

describe("files written private are private while they are written", { timeout: 240_000 }, () => {
  it.skipIf(process.getuid?.() !== 0)("copy, template and get_url with mode 0600: nobody reads a byte", async () => {
    const base = mkdtempSync(join(tmpdir(), "kplay-private-"));
    chmodSync(base, 0o755);
    const dest = join(base, "keys");
    const src = join(base, "src");
    mkdirSync(dest, { recursive: true, mode: 0o755 });
    mkdirSync(src, { recursive: true });
    chmodSync(dest, 0o755);
    for (let i = 0; i < SECRETS; i++) writeFileSync(join(src, `s${i}`), secret(i));
    // files already there: one private, one world-readable (its old mode must not leak the new content)
    writeFileSync(join(dest, "replaced-0600"), "old\n", { mode: 0o600 });
    writeFileSync(join(dest, "replaced-0644"), "old\n", { mode: 0o644 });
    const watch = poller(dest);
    // the poller works: it has read the world-readable old file before kplay starts
    await watch.saw("old");
    const run = await runWith("kplay", {
      main: () => `
- hosts: h1
  gather_facts: false
  tasks:
    - copy: { src: "${src}/s0", dest: "${dest}/new-0600", mode: "0600" }
    - copy: { src: "${src}/s1", dest: "${dest}/replaced-0600", mode: "0600" }
    - copy: { src: "${src}/s2", dest: "${dest}/replaced-0644", mode: "0600" }
    - copy: { src: "${src}/s3", dest: "${dest}/symbolic", mode: "u=rw,go=" }
    - template: { src: "${src}/s4", dest: "${dest}/templated", mode: "0600" }
    - get_url: { url: "file://${src}/s5", dest: "${dest}/downloaded", mode: "0600" }
`,
    });
    const leaked = await watch.stop();
    expect(run.status, run.output).toBe(0);
    for (let i = 0; i < SECRETS; i++) expect(leaked).not.toContain(`BEGIN SECRET ${i}`);
    for (const f of ["new-0600", "replaced-0600", "replaced-0644", "symbolic", "templated", "downloaded"]) {
      expect(existsSync(join(dest, f))).toBe(true);
    }
  });
});
