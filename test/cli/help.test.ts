// Help is per command and per subcommand: `kplay help CMD [SUB]` prints what `kplay CMD [SUB]
// --help` prints, and a subcommand's help is about that subcommand only. Runs the built CLI.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const BIN = join(import.meta.dirname, "../../bin/kplay.js");
const kplay = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });

const COMMANDS = [
  "deploy-cluster",
  "remove-cluster",
  "add-node",
  "remove-node",
  "init",
  "run",
  "inventory",
  "status",
  "state",
  "report",
  "certs",
  "etcd",
  "bundle",
  "images",
  "manifests",
  "sandbox",
];

describe("help", () => {
  it.each(COMMANDS)("kplay help %s is kplay %s --help, about that command", (cmd) => {
    const viaHelp = kplay("help", cmd);
    const viaFlag = kplay(cmd, "--help");
    expect(viaHelp.status, viaHelp.stderr).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    expect(viaHelp.stdout).toMatch(new RegExp(`^Usage: kplay ${cmd}\\b`));
  });

  it.each([
    ["bundle", "list"],
    ["bundle", "build"],
    ["bundle", "publish"],
    ["images", "mirror"],
    ["images", "push"],
  ])("kplay help %s %s shows just that subcommand", (cmd, sub) => {
    const viaHelp = kplay("help", cmd, sub);
    expect(viaHelp.status, viaHelp.stderr).toBe(0);
    expect(viaHelp.stdout).toBe(kplay(cmd, sub, "--help").stdout);
    const usages = viaHelp.stdout.split("\n").filter((l) => /^\s*(Usage: )?kplay /.test(l));
    expect(usages.length).toBeGreaterThan(0);
    expect(usages.every((l) => l.includes(`kplay ${cmd} ${sub}`))).toBe(true);
    expect(viaHelp.stdout).not.toBe(kplay(cmd, "--help").stdout);
  });

  it("bundle build's help is about building (not the 60 lines of every bundle command)", () => {
    const out = kplay("bundle", "build", "--help").stdout;
    expect(out).toContain("--packages");
    expect(out).not.toContain("S3-compatible");
    expect(out).not.toMatch(/bundle publish/);
  });

  it("help for an unknown command is a usage error", () => {
    const r = kplay("help", "deploy-clustr");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown command "deploy-clustr"');
    expect(r.stderr).toContain('did you mean "deploy-cluster"');
  });
});
