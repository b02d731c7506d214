// Controller-side writes in directories other users may share: a temp file is never one another
// user planted (a file or a symlink), has its final mode before its first byte whatever the
// umask, and a state directory writable by others or owned by another user is refused. fetch's
// controller path stays under dest, whatever path the node names.
import {
  chownSync,
  chmodSync,
  closeSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KplayError } from "../../src/errors.js";
import { fetchDest } from "../../src/modules/slurp.js";
import { ensureStateDir, openTempBeside, writeFileAtomic } from "../../src/state/atomic.js";
import { StateLock } from "../../src/state/lock.js";

const scratch = () => mkdtempSync(join(tmpdir(), "kplay-atomic-"));

describe("atomic writes in a shared directory", () => {
  it("a symlink planted at the old predictable temp name is never followed", () => {
    const dir = scratch();
    const victim = join(dir, "victim");
    writeFileSync(victim, "untouched\n");
    const shared = join(dir, "shared");
    mkdirSync(shared, { mode: 0o777 });
    symlinkSync(victim, join(shared, `.backup.tgz.${process.pid}.tmp`));
    writeFileAtomic(join(shared, "backup.tgz"), "secret\n", 0o600);
    expect(readFileSync(victim, "utf8")).toBe("untouched\n");
    expect(readFileSync(join(shared, "backup.tgz"), "utf8")).toBe("secret\n");
    expect(lstatSync(join(shared, "backup.tgz")).isSymbolicLink()).toBe(false);
  });

  it("the temp file has its final mode from the start, whatever the umask; nothing is left behind", () => {
    const dir = scratch();
    for (const umask of [0o000, 0o022, 0o077]) {
      const old = process.umask(umask);
      try {
        for (const mode of [0o600, 0o640, 0o755]) {
          const { fd, tmp } = openTempBeside(join(dir, "f"), mode);
          expect(fstatSync(fd).mode & 0o7777).toBe(mode);
          expect(fstatSync(fd).size).toBe(0);
          closeSync(fd);
          expect(tmp).toMatch(/\/\.f\.[0-9a-f]{16}\.tmp$/);
          writeFileAtomic(join(dir, `out-${mode}`), "x", mode);
          expect(statSync(join(dir, `out-${mode}`)).mode & 0o7777).toBe(mode);
        }
      } finally {
        process.umask(old);
      }
    }
    expect(readdirSync(dir).filter((f) => f.startsWith(".f.") && f.endsWith(".tmp")).length).toBe(9);
    expect(readdirSync(dir).filter((f) => f.startsWith(".out-")).length).toBe(0);
  });

  it("the lock's temp file is not a predictable name either", () => {
    const dir = scratch();
    const victim = join(dir, "victim");
    writeFileSync(victim, "untouched\n");
    const state = join(dir, "state");
    mkdirSync(state, { mode: 0o700 });
    symlinkSync(victim, join(state, `.lock.${process.pid}.${Date.now()}`));
    const lock = StateLock.acquire(state, "test", () => {});
    lock.release();
    expect(readFileSync(victim, "utf8")).toBe("untouched\n");
  });
});

describe("the state directory", () => {
  const refused = (dir: string) => {
    try {
      ensureStateDir(dir);
      return undefined;
    } catch (e) {
      expect(e).toBeInstanceOf(KplayError);
      expect((e as KplayError).exitCode).toBe(2);
      return (e as Error).message;
    }
  };

  it("is refused when others may write it (a sticky 1777 directory) and left as it was", () => {
    const dir = join(scratch(), "state");
    mkdirSync(dir);
    chmodSync(dir, 0o1777);
    expect(refused(dir)).toMatch(/writable by every user \(mode 1777\)/);
    expect(statSync(dir).mode & 0o7777).toBe(0o1777);
    chmodSync(dir, 0o770);
    expect(refused(dir)).toMatch(/writable by its group/);
  });

  it.skipIf(process.getuid?.() !== 0)("is refused when another user owns it", () => {
    const dir = join(scratch(), "state");
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, 65534, 65534);
    expect(refused(dir)).toMatch(/belongs to uid 65534/);
  });

  it("of this user is made or tightened to 0700", () => {
    const dir = join(scratch(), "state");
    expect(refused(join(dir, "new"))).toBeUndefined();
    expect(statSync(join(dir, "new")).mode & 0o777).toBe(0o700);
    mkdirSync(join(dir, "open"), { mode: 0o755 });
    chmodSync(join(dir, "open"), 0o755);
    expect(refused(join(dir, "open"))).toBeUndefined();
    expect(statSync(join(dir, "open")).mode & 0o777).toBe(0o700);
  });
});

describe("fetch writes under dest only", () => {
  const dest = "/srv/fetched";
  it.each([
    "/../../../../tmp/victim/x",
    "../../etc/passwd",
    "/a/../../../../x",
    "/../h2/etc/shadow/../../../../../root/.ssh/authorized_keys",
  ])("a node path that climbs out (%s) is refused in Ansible's words", (src) => {
    const r = fetchDest({ src, dest, flat: false }, "h1");
    expect(r).toEqual({ escapes: expect.stringMatching(/^Detected directory traversal, expected to be contained in/) });
  });

  it.each([
    ["/etc/hosts", "/srv/fetched/h1/etc/hosts"],
    ["etc/x/../hosts", "/srv/fetched/h1/etc/hosts"],
    ["/a//b", "/srv/fetched/h1/a/b"],
  ])("%s lands at %s", (src, want) => {
    expect(fetchDest({ src, dest, flat: false }, "h1")).toBe(want);
  });

  it("flat: dest itself, or dest/ plus the file's name; a name of .. is refused", () => {
    expect(fetchDest({ src: "/etc/hosts", dest: "/srv/one", flat: true }, "h1")).toBe("/srv/one");
    expect(fetchDest({ src: "/etc/hosts", dest: "/srv/dir/", flat: true }, "h1")).toBe("/srv/dir/hosts");
    expect(fetchDest({ src: "/etc/..", dest: "/srv/dir/", flat: true }, "h1")).toHaveProperty("escapes");
  });
});
