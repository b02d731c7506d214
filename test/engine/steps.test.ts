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
    writeFileSync(
      join(d, "inv.ini"),
      "h1 ansible_connection=local\nh2 ansible_connection=local\nh3 ansible_connection=local\n",
    );
    writeFileSync(
      join(d, "pb.yml"),
      `- hosts: all
  gather_facts: false
  tasks:
    - name: who
      shell: "echo {{ inventory_hostname }}-$$"
      delegate_to: localhost
      register: who
`,
    );
    const seen = new Set<string>();
    for (const extra of [[], ["--resume", "-e", "x=1"]]) {
      const r = await kplay([
        "run",
        join(d, "pb.yml"),
        "-i",
        join(d, "inv.ini"),
        "--state-dir",
        join(d, "state"),
        "--json",
        ...extra,
      ]);
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

describe("steps: run_once on resume", () => {
  it("a run_once result restored from the journal reaches every host still running the step", async () => {
    const d = mkdtempSync(join(tmpdir(), "kplay-steps-"));
    writeFileSync(
      join(d, "inv.ini"),
      "h1 ansible_connection=local\nh2 ansible_connection=local\nh3 ansible_connection=local\n",
    );
    writeFileSync(
      join(d, "pb.yml"),
      `- hosts: all
  gather_facts: false
  tasks:
    - name: once
      shell: "echo v-$$"
      run_once: true
      register: once
    - name: use
      shell: "test ! -e ${d}/stop-{{ inventory_hostname }} && echo {{ once.stdout }}"
`,
    );
    writeFileSync(join(d, "stop-h1"), "");
    writeFileSync(join(d, "stop-h2"), "");
    const args = ["run", join(d, "pb.yml"), "-i", join(d, "inv.ini"), "--state-dir", join(d, "state"), "--json"];
    const first = await kplay(args);
    expect(first.code).toBe(1);
    const value = String(
      events(first.stdout).find((e) => e.event === "host_result" && e.task === "once")!.result.stdout,
    ).trim();
    const { rmSync } = await import("node:fs");
    rmSync(join(d, "stop-h1"));
    rmSync(join(d, "stop-h2"));
    // h1 and h2 resume the step; "once" is restored on h1, and h2 must see the same result
    const second = await kplay([...args, "--resume"]);
    expect(second.code, second.stdout.slice(-2000)).toBe(0);
    const uses = events(second.stdout).filter((e) => e.event === "host_result" && e.task === "use");
    expect(uses.map((e) => `${e.host} ${String(e.result.stdout).trim()}`).sort()).toEqual([
      `h1 ${value}`,
      `h2 ${value}`,
    ]);
  });
});
