// `kplay status` counts, for each host, only the steps that apply to it (its plays' hosts), and
// names the ones not done. Runs the built CLI with the local connection.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const BIN = join(import.meta.dirname, "../../bin/kplay.js");
const dir = mkdtempSync(join(tmpdir(), "kplay-status-"));
const kplay = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });

const play = (hosts: string, cmd: string) =>
  `- hosts: ${hosts}\n  gather_facts: false\n  tasks:\n    - command: ${cmd}\n`;

describe("kplay status", () => {
  it("counts the steps that apply to a host and names those not done", () => {
    const host = "{ ansible_connection: local }";
    writeFileSync(join(dir, "inv.yml"), `all:\n  hosts:\n    h1: ${host}\n    h2: ${host}\n`);
    writeFileSync(join(dir, "one.yml"), play("all", "/bin/true"));
    writeFileSync(join(dir, "two.yml"), play("h1", "/bin/true"));
    writeFileSync(join(dir, "three.yml"), play("h1", "/bin/false"));
    const run = ["run", "one.yml", "two.yml", "three.yml", "-i", "inv.yml", "--state-dir", "st", "--resume"];
    expect(kplay(...run).status).toBe(1); // three fails on h1
    const status = kplay("status", "-i", "inv.yml", "--state-dir", "st");
    expect(status.status, status.stderr).toBe(0);
    const line = (h: string) => status.stdout.split("\n").find((l) => l.startsWith(`${h} `)) ?? "";
    expect(line("h2")).toMatch(/\b1\/1 steps done\b/);
    expect(line("h1")).toMatch(/\b2\/3 steps done; stopped in three/);
    expect(line("h2")).toMatch(/not applicable: two, three/);
    // --json: JSON lines, one for the run, one per host with every step's state
    const out = kplay("status", "-i", "inv.yml", "--state-dir", "st", "--json").stdout;
    const lines = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { event: string; host?: string; steps?: unknown });
    expect(lines.map((l) => l.event)).toEqual(["status", "host_status", "host_status"]);
    expect(lines[0].steps).toEqual(["one", "two", "three"]);
    const h2 = lines.find((x) => x.host === "h2");
    expect(h2).toMatchObject({ applicable: ["one"], done: ["one"], missing: [] });
    expect(h2?.steps).toEqual({ one: "done", two: "not_applicable", three: "not_applicable" });
    const h1 = lines.find((x) => x.host === "h1");
    expect(h1).toMatchObject({ applicable: ["one", "two", "three"], missing: ["three"] });
    expect(h1?.steps).toEqual({ one: "done", two: "done", three: "failed" });
  });
});
