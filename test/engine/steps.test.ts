// Tests step runs on the controller (local connection): a task delegated to one host on behalf
// of several hosts keeps one result per host — each host's run directory is named by its own
// step attempt, so no host re-attaches to another's (or an earlier attempt's) finished command.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { events, kplay } from "../harness/cluster.js";

describe("steps: delegated commands", () => {
  it("each host gets its own result from a command delegated to localhost", async () => {
    const d = mkdtempSync(join(tmpdir(), "kplay-steps-"));
    writeFileSync(join(d, "inv.ini"), "h1 ansible_connection=local\nh2 ansible_connection=local\nh3 ansible_connection=local\n");
    writeFileSync(join(d, "pb.yml"), `- hosts: all
  gather_facts: false
  tasks:
    - name: who
      shell: "echo {{ inventory_hostname }}-$$"
      delegate_to: localhost
      register: who
`);
    const seen = new Set<string>();
    for (const extra of [[], ["--resume", "-e", "x=1"]]) {
      const r = await kplay(["run", join(d, "pb.yml"), "-i", join(d, "inv.ini"), "--state-dir", join(d, "state"), "--json", ...extra]);
      expect(r.code, r.stdout.slice(-2000)).toBe(0);
      for (const e of events(r.stdout).filter((e) => e.event === "host_result" && e.task === "who")) {
        expect(String(e.result.stdout)).toMatch(new RegExp(`^${e.host}-\\d+$`));
        seen.add(String(e.result.stdout));
      }
    }
    // Two runs (the second a re-run of the same recorded run with new variables): six commands.
    expect(seen.size).toBe(6);
  });
});
