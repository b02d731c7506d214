// `kplay inventory --list/--host`: secrets masked (by name and by value) unless --show-secrets.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const BIN = resolve(import.meta.dirname, "../../bin/kplay.js");
const dir = mkdtempSync(join(tmpdir(), "kplay-inv-"));
const inv = join(dir, "inv.yml");
writeFileSync(
  inv,
  [
    "all:",
    "  vars: { registry_password: s3cr3t-pw, mirrors_auth: [dXNlcjpwYXNzMQ==] }",
    "  hosts:",
    '    h1: { ansible_host: 10.0.0.1, ansible_become_password: "b3c0me-pw", note: "uses s3cr3t-pw" }',
    "",
  ].join("\n"),
);
const kplay = (...a: string[]) =>
  spawnSync(process.execPath, [BIN, "inventory", "-i", inv, ...a], { encoding: "utf8" });

describe("kplay inventory", () => {
  it.each([["--list"], ["--host", "h1"]])("%s masks secrets by name and by value", (...args) => {
    const r = kplay(...args);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/s3cr3t-pw|b3c0me-pw|dXNlcjpwYXNzMQ==/);
    expect(r.stdout).toContain('"note": "uses ********"');
    expect(r.stdout).toContain('"ansible_host": "10.0.0.1"');
  });

  it("--show-secrets prints them", () => {
    const r = kplay("--host", "h1", "--show-secrets");
    expect(r.stdout).toContain('"ansible_become_password": "b3c0me-pw"');
    expect(r.stdout).toContain("dXNlcjpwYXNzMQ==");
  });
});
