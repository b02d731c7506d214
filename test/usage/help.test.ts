// Help is per command and per subcommand: `kplay help CMD [SUB]` prints what `kplay CMD [SUB]
// --help` prints, and a subcommand's help is about that subcommand only. Calls the CLI's main()
// in this process with its output captured (help reads no file and starts nothing): 46 kplay
// processes cost about 25 s of CPU for what is a question about text.
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { runCliHere, type Printed } from "../harness/cli-in-process.js";

/** kplay ARGS as a process would run it: exit status, standard output and error. */
const kplay = (...args: string[]): Promise<Printed> => runCliHere(main, args);
afterEach(() => vi.restoreAllMocks());

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
  it.each(COMMANDS)("kplay help %s is kplay %s --help, about that command", async (cmd) => {
    const viaHelp = await kplay("help", cmd);
    const viaFlag = await kplay(cmd, "--help");
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
  ])("kplay help %s %s shows just that subcommand", async (cmd, sub) => {
    const viaHelp = await kplay("help", cmd, sub);
    expect(viaHelp.status, viaHelp.stderr).toBe(0);
    expect(viaHelp.stdout).toBe((await kplay(cmd, sub, "--help")).stdout);
    const usages = viaHelp.stdout.split("\n").filter((l) => /^\s*(Usage: )?kplay /.test(l));
    expect(usages.length).toBeGreaterThan(0);
    expect(usages.every((l) => l.includes(`kplay ${cmd} ${sub}`))).toBe(true);
    expect(viaHelp.stdout).not.toBe((await kplay(cmd, "--help")).stdout);
  });

  it("bundle build's help is about building (not the 60 lines of every bundle command)", async () => {
    const out = (await kplay("bundle", "build", "--help")).stdout;
    expect(out).toContain("--packages");
    expect(out).not.toContain("S3-compatible");
    expect(out).not.toMatch(/bundle publish/);
  });

  it("help for an unknown command is a usage error", async () => {
    const r = await kplay("help", "deploy-clustr");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown command "deploy-clustr"');
    expect(r.stderr).toContain('did you mean "deploy-cluster"');
  });
});
