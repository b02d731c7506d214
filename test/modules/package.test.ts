// The apt side of the package modules as Ansible's apt behaves where a fresh node differs from a
// used one: the package lists are read when the node never read them and a package must be
// installed (first for latest or an asked refresh; never when update_cache is false), cache_valid_time alone asks for a refresh, and a package apt cannot find fails with
// Ansible's message. The scripts run against a fake exec that answers as apt-get would.
import { describe, expect, it } from "vitest";
import { findModule, type ModuleContext } from "../../src/modules/index.js";
import { UndoLog } from "../../src/modules/undo.js";

async function runApt(
  args: Record<string, unknown>,
  answer = { rc: 0, stdout: "KPLAY-RESULT: cache=0\n", stderr: "" },
) {
  const mod = findModule("apt")!;
  const scripts: string[] = [];
  const ctx = {
    host: "node1",
    check: false,
    diff: false,
    undo: new UndoLog(false),
    vars: { ansible_pkg_mgr: "apt" },
    exec: async (script: unknown) => (scripts.push(String(script)), answer),
    readLocal: () => Buffer.from(""),
    localPath: (p: string) => p,
    renderFile: (t: string) => t,
  } as unknown as ModuleContext;
  const result = await mod.run(ctx, mod.schema.parse(args));
  return { script: scripts.join("\n"), result };
}

const FRESH = "ls /var/lib/apt/lists 2>/dev/null | grep -q '_Packages' || { newlog_; apt-get update";

describe("apt on a fresh node", () => {
  it("reads the package lists when the node has none and a package must be installed (update_cache not set)", async () => {
    const { script } = await runApt({ name: "libuser" });
    // inside the branch that installs: a package already there costs no update (modules.test.ts runs it)
    expect(script.indexOf(FRESH)).toBeGreaterThan(script.indexOf("if [ $# -gt 0 ]; then"));
    expect(script.indexOf(FRESH)).toBeLessThan(script.indexOf("apt-get install"));
  });

  it("never when update_cache is false or for absent; before the cache's age is judged when update_cache is true", async () => {
    expect((await runApt({ name: "libuser", update_cache: false })).script).not.toContain(FRESH);
    expect((await runApt({ name: "libuser", state: "absent" })).script).not.toContain(FRESH);
    const latest = (await runApt({ name: "libuser", state: "latest" })).script;
    expect(latest.indexOf(FRESH)).toBeLessThan(latest.indexOf("apt-cache policy"));
    const asked = (await runApt({ name: "libuser", update_cache: true })).script;
    // the lists a fresh node reads first count as the cache's time (Ansible: git role's
    // `update_cache=true cache_valid_time=86400` is ok, not changed, on a fresh node)
    expect(asked.indexOf(FRESH)).toBeGreaterThan(-1);
    expect(asked.indexOf(FRESH)).toBeLessThan(asked.indexOf("before_=$(cache_time_)"));
    expect(asked.split(FRESH)).toHaveLength(2); // once
  });

  it("reports the cache updated only when its time moved, read as Ansible reads it", async () => {
    const { script } = await runApt({ update_cache: true });
    expect(script).toContain("/var/lib/apt/periodic/update-success-stamp /var/lib/apt/lists");
    expect(script).toContain(`[ "$(cache_time_)" = "$before_" ] || cache=1`);
    expect(script).not.toContain("touch");
  });

  it("leaves recommends to apt unless install_recommends is set", async () => {
    expect((await runApt({ name: "git" })).script).not.toMatch(/install-recommends/);
    expect((await runApt({ name: "git", install_recommends: false })).script).toContain("--no-install-recommends --");
    expect((await runApt({ name: "git", install_recommends: true })).script).toContain(" --install-recommends --");
  });

  it("cache_valid_time alone refreshes the lists once they are older (update_cache implied)", async () => {
    const { script } = await runApt({ name: "libuser", cache_valid_time: 600 });
    expect(script).toContain("[ $age -gt 600 ]");
    expect(script).toContain("apt-get update -q");
    const only = await runApt({ cache_valid_time: 600 });
    expect(only.result.failed).toBeFalsy();
  });

  it("a package apt cannot locate fails with Ansible's message", async () => {
    const stderr = "Reading package lists...\nE: Unable to locate package libuser\n";
    const { result } = await runApt({ name: "libuser" }, { rc: 1, stdout: "", stderr });
    expect(result).toMatchObject({ failed: true, msg: "No package matching 'libuser' is available" });
  });
});
