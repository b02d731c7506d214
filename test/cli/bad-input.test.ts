// Bad input is an input error: exit 2, the file (and line) named, no "internal error", no stack,
// nothing written. Runs the built CLI (npm test builds first).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const BIN = join(import.meta.dirname, "../../bin/kplay.js");
const dir = mkdtempSync(join(tmpdir(), "kplay-bad-"));
const kplay = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });

function bomb(indent: string): string {
  let s = `${indent}a: &a ["x","x","x","x","x","x","x","x","x"]\n`;
  let prev = "a";
  for (const n of "bcdefghi") {
    s += `${indent}${n}: &${n} [${Array(9).fill(`*${prev}`).join(",")}]\n`;
    prev = n;
  }
  return s;
}
writeFileSync(join(dir, "ok-inv.yml"), "all:\n  hosts:\n    h1: { ansible_connection: local }\n");
writeFileSync(
  join(dir, "bomb-inv.yml"),
  `all:\n  vars:\n${bomb("    ")}  hosts:\n    h1: { ansible_connection: local }\n`,
);
writeFileSync(
  join(dir, "bomb-pb.yml"),
  `- hosts: all\n  gather_facts: false\n  vars:\n${bomb("    ")}  tasks: [{ debug: { msg: hi } }]\n`,
);
writeFileSync(
  join(dir, "big-inv.yml"),
  [
    "all:",
    "  vars:",
    `    big: &big "${"x".repeat(1_000_000)}"`,
    ...Array.from({ length: 900 }, (_, i) => `    v${i}: *big`),
    "  hosts:",
    "    h1: { ansible_connection: local }",
    "",
  ].join("\n"),
);
writeFileSync(join(dir, "pb.yml"), "- hosts: all\n  gather_facts: false\n  tasks: [{ debug: { msg: hi } }]\n");
writeFileSync(join(dir, "a-file"), "");

describe("bad input", () => {
  it.each([
    [
      "an alias bomb in a playbook",
      ["run", "bomb-pb.yml", "-i", "ok-inv.yml", "--state-dir", "st1"],
      /bomb-pb\.yml:\d+:\d+: aliases of aliases repeat the data more than 1000 times/,
    ],
    [
      "an alias bomb in an inventory",
      ["run", "pb.yml", "-i", "bomb-inv.yml", "--state-dir", "st2"],
      /bomb-inv\.yml:\d+:\d+: aliases of aliases repeat the data more than 1000 times/,
    ],
    [
      "a 1 MB string aliased 900 times",
      ["inventory", "-i", "big-inv.yml", "--list"],
      /big-inv\.yml:\d+:\d+: aliases expand to more than 16 MiB/,
    ],
    [
      "init into a missing directory",
      ["init", "/missing/dir/config.yaml"],
      /\/missing\/dir\/config\.yaml: the directory \/missing\/dir does not exist/,
    ],
    [
      "--start-at-task naming no task",
      ["run", "pb.yml", "-i", "ok-inv.yml", "--state-dir", "st1", "--start-at-task", "no such task"],
      /--start-at-task "no such task" names no task of the playbooks/,
    ],
    ["an architecture bundles are not made for", ["bundle", "list", "files", "--arch", "sparc"], /--arch sparc/],
    [
      "deploy-cluster on an inventory without cluster groups",
      ["deploy-cluster", "-i", "ok-inv.yml", "--state-dir", "st1"],
      /ok-inv\.yml.*no cluster nodes/,
    ],
    [
      "--state-dir pointing at a file",
      ["run", "pb.yml", "-i", "ok-inv.yml", "--state-dir", "a-file"],
      /--state-dir: the state directory \S*a-file is not a directory/,
    ],
  ])("%s: exit 2, named, nothing written", (_n, args, message) => {
    const r = kplay(...args);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(existsSync(join(dir, "st1")) || existsSync(join(dir, "st2"))).toBe(false);
  });

  it("debug var: takes an expression (r.stdout)", () => {
    writeFileSync(
      join(dir, "reg.yml"),
      "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: echo hi\n      register: r\n    - debug: { var: r.stdout }\n",
    );
    const r = kplay("run", "reg.yml", "-i", "ok-inv.yml", "--state-dir", join(dir, "st-ok"), "--json");
    expect(r.status, r.stderr).toBe(0);
    const ev = r.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l))
      .find((e) => e.event === "host_result" && e.module === "debug");
    expect(ev.result["r.stdout"]).toBe("hi");
  });
});
