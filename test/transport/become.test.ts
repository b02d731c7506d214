// A script that holds a secret never shows in a process list: it reaches sh on stdin.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LocalConnection } from "../../src/transport/local.js";
import { secret, sh } from "../../src/transport/sh.js";

function cmdlines(): string {
  const out: string[] = [];
  for (const p of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      out.push(readFileSync(`/proc/${p}/cmdline`, "latin1"));
    } catch {
      /* gone */
    }
  }
  return out.join("\n");
}

describe("secret scripts", () => {
  it("run with their stdin intact, and no process shows the secret", async () => {
    const conn = new LocalConnection("localhost");
    const token = `SEC-${process.pid}-${Date.now()}`;
    const running = conn.exec(sh`t=${secret(token)}; sleep 1; printf '%s:' "$t"; cat`, { stdin: "input-after" });
    const seen: string[] = [];
    for (let i = 0; i < 8; i++) {
      seen.push(cmdlines());
      await new Promise((r) => setTimeout(r, 100));
    }
    const r = await running;
    expect(r).toEqual({ rc: 0, stdout: `${token}:input-after`, stderr: "" });
    expect(seen.join("\n")).not.toContain(token);
    expect(seen.join("\n")).toContain("head -c");
  });

  it("a script marked sensitive by the caller goes the same way", async () => {
    const conn = new LocalConnection("localhost");
    const r = await conn.exec(sh`echo ${"plain"}; exit 3`, { sensitive: true });
    expect(r).toEqual({ rc: 3, stdout: "plain\n", stderr: "" });
  });
});

describe("become_method su", () => {
  it("runs the script through su as the become user's login shell, as Ansible's su does", async () => {
    // Debian's system users have no login shell: su reaches it and is refused, as with Ansible
    // (the success path, with and without a password, is in the integration-free golden script
    // test/fixtures/scripts/transport-become-su-password.sh and was run by hand on a node)
    const conn = new LocalConnection("localhost", { user: "daemon", method: "su" });
    const r = await conn.exec(sh`id -un`, { become: true });
    expect(r.rc).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/not available/);
    const sudoless = await conn.exec(sh`id -un`, { become: false });
    expect(sudoless.stdout).toBe("root\n");
  });
});
