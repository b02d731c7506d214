// Modules as tables of (state before, args -> status, state after), run for real through the
// local connection (sh on this machine) in a scratch directory. The same scripts run over SSH
// in the integration tests.
import { UndoLog } from "../../src/modules/undo.js";
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
  readlinkSync,
  chmodSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { findModule, type ModuleResult } from "../../src/modules/index.js";
import { LocalConnection } from "../../src/transport/local.js";

const conn = new LocalConnection("localhost");
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kplay-mod-"));
});

async function run(
  module: string,
  args: Record<string, unknown>,
  opts: { check?: boolean; diff?: boolean; files?: string } = {},
): Promise<ModuleResult> {
  const mod = findModule(module)!;
  const parsed = mod.schema.parse(args);
  return mod.run(
    {
      host: "localhost",
      check: !!opts.check,
      undo: new UndoLog(false), // the controller keeps no undo log in unit tests
      diff: !!opts.diff,
      vars: { answer: 42 },
      exec: (script, o) => conn.exec(script, { stdin: o?.stdin }),
      readLocal: (p) => readFileSync(join(opts.files ?? dir, p)),
      localPath: (p) => join(opts.files ?? dir, p),
      renderFile: (text) => text,
    },
    parsed,
  );
}
const mode = (p: string) => (statSync(p).mode & 0o7777).toString(8);

describe("copy", () => {
  it.each([
    ["absent", undefined, undefined, "hello\n", "0640", true, "640"],
    ["same content and mode", "hello\n", 0o640, "hello\n", "0640", false, "640"],
    ["same content, other mode", "hello\n", 0o600, "hello\n", "0640", true, "640"],
    ["other content", "old\n", 0o644, "hello\n", undefined, true, "644"],
    ["other content keeps mode when none asked", "old\n", 0o600, "hello\n", undefined, true, "600"],
  ])("dest %s", async (_n, before, beforeMode, content, m, changed, afterMode) => {
    const dest = join(dir, "f.conf");
    if (before !== undefined) {
      writeFileSync(dest, before);
      chmodSync(dest, beforeMode!);
    }
    const r = await run("copy", { dest, content, ...(m ? { mode: m } : {}) });
    expect(r.failed ?? false).toBe(false);
    expect(r.changed).toBe(changed);
    expect(readFileSync(dest, "utf8")).toBe(content);
    expect(mode(dest)).toBe(afterMode);
  });

  it("check mode reports the change and writes nothing", async () => {
    const dest = join(dir, "f");
    writeFileSync(dest, "old");
    const r = await run("copy", { dest, content: "new", mode: "0600" }, { check: true, diff: true });
    expect(r.changed).toBe(true);
    expect(readFileSync(dest, "utf8")).toBe("old");
    expect(r.diff).toEqual([{ before: "old", after: "new", before_header: dest, after_header: dest }]);
  });

  it("src into a directory keeps the file name; force: false leaves an existing file", async () => {
    const files = join(dir, "files");
    mkdirSync(files);
    writeFileSync(join(files, "a.txt"), "A");
    mkdirSync(join(dir, "out"));
    expect((await run("copy", { src: "a.txt", dest: join(dir, "out") + "/" }, { files })).changed).toBe(true);
    expect(readFileSync(join(dir, "out/a.txt"), "utf8")).toBe("A");
    writeFileSync(join(dir, "keep"), "mine");
    expect((await run("copy", { dest: join(dir, "keep"), content: "theirs", force: false })).changed).toBe(false);
    expect(readFileSync(join(dir, "keep"), "utf8")).toBe("mine");
  });

  it("large files (over the inline limit) are checked before they are sent", async () => {
    const big = "x".repeat(300 * 1024);
    const dest = join(dir, "big");
    expect((await run("copy", { dest, content: big })).changed).toBe(true);
    expect((await run("copy", { dest, content: big })).changed).toBe(false);
    expect(readFileSync(dest, "utf8")).toBe(big);
  });

  it("fails clearly when the directory is missing", async () => {
    const r = await run("copy", { dest: join(dir, "no/such/f"), content: "x" });
    expect(r.failed).toBe(true);
    expect(String(r.msg)).toContain("does not exist");
  });

  it("keeps a path with quotes and spaces intact", async () => {
    const dest = join(dir, 'it\'s a "file" $(x)');
    expect((await run("copy", { dest, content: "q" })).changed).toBe(true);
    expect(readFileSync(dest, "utf8")).toBe("q");
  });
});

describe("file", () => {
  it("an owner that looks like an option is an owner name, not --reference (the file keeps its owner)", async () => {
    const ref = join(dir, "ref");
    const f = join(dir, "f");
    writeFileSync(ref, "");
    writeFileSync(f, "");
    chownSync(ref, 65534, 65534);
    const r = await run("file", { path: f, owner: `--reference=${ref}` });
    expect(r.failed).toBe(true);
    expect(statSync(f).uid).toBe(process.getuid!());
  });

  it.each([
    [
      "directory (absent)",
      "none",
      { state: "directory", mode: "0750" },
      true,
      (p: string) => statSync(p).isDirectory() && mode(p) === "750",
    ],
    ["directory (present)", "dir", { state: "directory" }, false, (p: string) => statSync(p).isDirectory()],
    [
      "directory (present, other mode)",
      "dir",
      { state: "directory", mode: "0700" },
      true,
      (p: string) => mode(p) === "700",
    ],
    ["absent (present)", "file", { state: "absent" }, true, (p: string) => !existsSync(p)],
    ["absent (absent)", "none", { state: "absent" }, false, (p: string) => !existsSync(p)],
    ["touch", "none", { state: "touch", mode: "0600" }, true, (p: string) => statSync(p).isFile() && mode(p) === "600"],
    ["file attributes", "file", { state: "file", mode: "0604" }, true, (p: string) => mode(p) === "604"],
    [
      "link (absent)",
      "none",
      { state: "link", src: "/etc/hostname" },
      true,
      (p: string) => readlinkSync(p) === "/etc/hostname",
    ],
    [
      "link (present)",
      "link",
      { state: "link", src: "/etc/hostname" },
      false,
      (p: string) => readlinkSync(p) === "/etc/hostname",
    ],
  ])("%s", async (_n, before, args, changed, check) => {
    const p = join(dir, "target");
    if (before === "dir") mkdirSync(p, { mode: 0o755 });
    if (before === "file") writeFileSync(p, "x", { mode: 0o644 });
    if (before === "link") symlinkSync("/etc/hostname", p);
    const r = await run("file", { path: p, ...args });
    expect(r.failed ?? false).toBe(false);
    expect(r.changed).toBe(changed);
    expect(check(p)).toBe(true);
  });

  it("refuses to turn a file into a directory, and a missing file for state=file", async () => {
    const p = join(dir, "f");
    writeFileSync(p, "x");
    expect((await run("file", { path: p, state: "directory" })).failed).toBe(true);
    expect((await run("file", { path: join(dir, "nope") })).failed).toBe(true);
  });

  it("check mode changes nothing", async () => {
    const p = join(dir, "d");
    const r = await run("file", { path: p, state: "directory" }, { check: true });
    expect(r.changed).toBe(true);
    expect(existsSync(p)).toBe(false);
  });
});

describe("command and shell", () => {
  it("command runs argv without a shell", async () => {
    const r = await run("command", { cmd: "printf '%s|' 'a b' $HOME `id`" });
    expect(r.stdout).toBe("a b|$HOME|`id`|");
    expect(r.changed).toBe(true);
    expect(r.rc).toBe(0);
  });

  it("shell runs through sh, with chdir and stdin", async () => {
    const r = await run("shell", { cmd: "read x; echo $x-$(pwd)", chdir: dir, stdin: "in" });
    expect(r.stdout).toBe(`in-${dir}`);
  });

  it("a non-zero exit fails with rc and output lines", async () => {
    const r = await run("shell", { cmd: "echo out; echo err >&2; exit 3" });
    expect(r).toMatchObject({
      failed: true,
      rc: 3,
      stdout_lines: ["out"],
      stderr_lines: ["err"],
      msg: "non-zero return code",
    });
  });

  it("creates / removes skip the command", async () => {
    const marker = join(dir, "m");
    const cmd = `echo ran >> ${marker}`;
    expect((await run("shell", { cmd, creates: marker })).changed).toBe(true);
    expect((await run("shell", { cmd, creates: marker })).changed).toBe(false);
    expect(readFileSync(marker, "utf8")).toBe("ran\n");
    expect((await run("shell", { cmd: `rm ${marker}`, removes: join(dir, "nope") })).changed).toBe(false);
  });

  it("check mode does not run the command", async () => {
    const marker = join(dir, "m2");
    const r = await run("shell", { cmd: `touch ${marker}` }, { check: true });
    expect(r.skipped).toBe(true);
    expect(existsSync(marker)).toBe(false);
  });
});

describe("get_url", () => {
  it("verifies against a checksum file (hash-only or sha256sum lines), leaves a good file alone, refuses a bad one", async () => {
    const src = join(dir, "kubeadm");
    writeFileSync(src, "binary\n");
    const { createHash } = await import("node:crypto");
    const h = createHash("sha256").update("binary\n").digest("hex");
    writeFileSync(join(dir, "kubeadm.sha256"), `${h}\n`);
    writeFileSync(join(dir, "SUMS"), `0000  other\n${h}  kubeadm\n`);
    mkdirSync(join(dir, "out"));
    const dest = join(dir, "out", "kubeadm");
    const first = await run("get_url", {
      url: `file://${src}`,
      dest,
      checksum: `sha256:file://${src}.sha256`,
      mode: "0755",
    });
    expect(first, JSON.stringify(first)).toMatchObject({ changed: true });
    expect(readFileSync(dest, "utf8")).toBe("binary\n");
    expect(mode(dest)).toBe("755");
    expect(
      await run("get_url", { url: `file://${src}`, dest, checksum: `sha256:file://${join(dir, "SUMS")}` }),
    ).toMatchObject({ changed: false });
    writeFileSync(join(dir, "kubeadm.sha256"), `${"1".repeat(64)}\n`);
    const bad = await run("get_url", {
      url: `file://${src}`,
      dest: join(dir, "out", "k2"),
      checksum: `sha256:file://${src}.sha256`,
    });
    expect(bad).toMatchObject({ failed: true });
    expect(String(bad.msg)).toMatch(/checksum mismatch/);
    expect(existsSync(join(dir, "out", "k2"))).toBe(false);
    const none = await run("get_url", {
      url: `file://${src}`,
      dest: join(dir, "out", "k3"),
      checksum: `sha256:file://${join(dir, "nope")}`,
    });
    expect(String(none.msg)).toMatch(/cannot fetch the checksum file/);
  });
});

// apt against stand-in tools on PATH (apt-get records its calls; dpkg-query knows INSTALLED; ls
// shows a node that never read its package lists): what the module's script really runs.
describe("apt on a node that never read its package lists", () => {
  async function apt(args: Record<string, unknown>, installed: string[]) {
    const at = mkdtempSync(join(dir, "apt-"));
    const bin = join(at, "bin");
    mkdirSync(bin);
    const calls = join(at, "calls");
    const tool = (name: string, body: string) =>
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    tool("apt-get", `echo "apt-get $*" >> ${calls}`);
    tool("ls", "exit 0");
    tool(
      "dpkg-query",
      `for p; do :; done; case " ${installed.join(" ")} " in *" $p "*) printf 'install ok installed 1.0';; *) exit 1;; esac`,
    );
    const mod = findModule("apt")!;
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const result = await mod.run(
      {
        host: "localhost",
        check: false,
        undo: new UndoLog(false),
        diff: false,
        vars: {},
        exec: (script, o) => conn.exec(script, { stdin: o?.stdin, env }),
        readLocal: () => Buffer.from(""),
        localPath: (p) => p,
        renderFile: (text) => text,
      },
      mod.schema.parse(args),
    );
    return { result, calls: existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : [] };
  }

  it("packages already there: no apt-get at all (no update against sources that may be unreachable)", async () => {
    const { result, calls } = await apt({ name: ["curl", "jq"] }, ["curl", "jq"]);
    expect(result).toMatchObject({ changed: false, packages: [] });
    expect(calls).toEqual([]);
  });

  it("a package to install: the lists are read first, then only the missing package is installed", async () => {
    const { result, calls } = await apt({ name: ["curl", "jq"] }, ["curl"]);
    expect(result).toMatchObject({ changed: true, packages: ["jq"] });
    expect(calls).toHaveLength(2);
    expect(calls[0]).toBe("apt-get update -q");
    expect(calls[1]).toMatch(/^apt-get install .* -- jq$/);
  });

  it("update_cache: false installs without reading the lists; absent never reads them", async () => {
    expect((await apt({ name: "jq", update_cache: false }, [])).calls).toEqual([
      expect.stringMatching(/^apt-get install .* -- jq$/),
    ]);
    const gone = await apt({ name: "jq", state: "absent" }, ["jq"]);
    expect(gone.calls).toEqual([expect.stringMatching(/^apt-get remove .* -- jq$/)]);
  });
});
