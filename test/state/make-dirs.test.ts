// mkdir -p without Node's recursive mkdir, which never returns where the kernel answers ENOENT
// for a directory whose parent exists (/proc): the refusal is thrown, the missing parents made.
import { mkdtempSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeDirs } from "../../src/make-dirs.js";

describe("makeDirs", () => {
  it("makes the missing parents with the mode given, and says which it made first", () => {
    const root = mkdtempSync(join(tmpdir(), "kplay-mkd-"));
    expect(makeDirs(join(root, "a/b/c"), 0o700)).toBe(join(root, "a"));
    expect(statSync(join(root, "a/b/c")).mode & 0o777).toBe(0o700);
    expect(makeDirs(join(root, "a/b/c"))).toBeUndefined(); // there already
  });

  it("throws what the system says instead of looping: /proc, a file in the way, a dangling link", () => {
    const root = mkdtempSync(join(tmpdir(), "kplay-mkd-"));
    expect(() => makeDirs("/proc/kplay-never/x")).toThrow(/ENOENT/);
    writeFileSync(join(root, "file"), "");
    expect(() => makeDirs(join(root, "file/x"))).toThrow(/ENOTDIR/);
    symlinkSync(join(root, "nowhere"), join(root, "link"));
    expect(() => makeDirs(join(root, "link/x"))).toThrow(/ENOENT/);
  });
});
