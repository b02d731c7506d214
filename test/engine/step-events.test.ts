// Step progress as typed events (step_start, step_skip, step_rerun, step_end, steps_end), from
// runSteps against scripted fake nodes: the console and --json both render these.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runSteps } from "../../src/engine/steps.js";
import { loadPlaybook } from "../../src/playbook/load.js";
import { loadInventory } from "../../src/inventory/index.js";
import { Journal } from "../../src/state/journal.js";
import { EventLog, FakeNodes, fixture, type Rule } from "../harness/fake-node.js";

const play = (hosts: string, cmd: string) =>
  `- hosts: ${hosts}\n  gather_facts: false\n  tasks:\n    - command: ${cmd}\n`;

function setup() {
  const f = fixture(["a", "b"], play("all", "first-step"));
  writeFileSync(join(f.dir, "second.yml"), play("workers", "second-step"));
  writeFileSync(join(f.dir, "third.yml"), play("b", "third-step"));
  const playbooks = [f.pb, loadPlaybook(join(f.dir, "second.yml")), loadPlaybook(join(f.dir, "third.yml"))];
  return { ...f, playbooks };
}

async function steps(s: ReturnType<typeof setup>, o: { resume: boolean; rule?: Rule }) {
  const journal = new Journal(join(s.dir, "state"));
  const log = new EventLog();
  const nodes = new FakeNodes(o.rule);
  const ok = await runSteps({
    inv: s.inv,
    pool: nodes,
    playbooks: s.playbooks,
    journal,
    stateDir: join(s.dir, "state"),
    resume: o.resume,
    continueHint: "run it again with --resume",
    run: { forks: 5, check: false, diff: false, extraVars: {} },
    reconnectWindowMs: 0,
    report: log,
  });
  journal.close();
  const stepEvents = log.events.filter((e) => e.event.startsWith("step"));
  return { ok, nodes, stepEvents };
}

describe("step events", () => {
  it("say which step runs where, which is skipped and why, and sum up", async () => {
    const s = setup();
    const first = await steps(s, { resume: false });
    expect(first.ok).toBe(true);
    expect(first.stepEvents).toMatchObject([
      { event: "step_start", step: "play", index: 1, total: 3, hosts: ["a", "b"], done_before: 0 },
      { event: "step_end", step: "play", ok: ["a", "b"], failed: [] },
      { event: "step_skip", step: "second", index: 2, reason: "no_hosts", hosts: 0 },
      { event: "step_start", step: "third", index: 3, hosts: ["b"] },
      { event: "step_end", step: "third", ok: ["b"], failed: [] },
      { event: "steps_end", ok: true, ran: ["play", "third"], skipped: [], no_hosts: ["second"], stopped: [] },
    ]);
    const again = await steps(s, { resume: true });
    expect(again.nodes.sent.filter((x) => x.script.includes("-step"))).toEqual([]);
    expect(again.stepEvents.filter((e) => e.event === "step_skip")).toMatchObject([
      { step: "play", reason: "done", hosts: 2 },
      { step: "second", reason: "no_hosts" },
      { step: "third", reason: "done", hosts: 1 },
    ]);
  });

  it("name the hosts that stopped, the step they stopped in, and how to continue", async () => {
    const s = setup();
    const fail: Rule = (h, script) => (h === "b" && script.includes("first-step") ? { rc: 1 } : undefined);
    const r = await steps(s, { resume: false, rule: fail });
    expect(r.ok).toBe(false);
    expect(r.nodes.ran("b", "third-step")).toBe(0);
    expect(r.stepEvents).toContainEqual(expect.objectContaining({ event: "step_end", ok: ["a"], failed: ["b"] }));
    // third targets only b, which stopped: skipped for that reason, never called "already done"
    expect(r.stepEvents).toContainEqual(
      expect.objectContaining({ event: "step_skip", step: "third", reason: "stopped", hosts: 1 }),
    );
    expect(r.stepEvents.at(-1)).toMatchObject({
      event: "steps_end",
      ok: false,
      stopped: [{ host: "b", step: "play" }],
      skipped: [],
      not_run: ["third"],
      hint: expect.stringContaining("run it again with --resume"),
    });
    // the fixed host resumes; a, done, is not asked again
    const again = await steps(s, { resume: true });
    expect(again.nodes.ran("a", "first-step")).toBe(0);
    expect(again.nodes.ran("b", "first-step")).toBe(1);
    expect(again.stepEvents[0]).toMatchObject({ event: "step_start", step: "play", hosts: ["b"], done_before: 1 });
  });

  it("the same inventory read from another file re-runs nothing (inventory_file is no change to a host)", async () => {
    const s = setup();
    await steps(s, { resume: false });
    mkdirSync(join(s.dir, "moved"));
    copyFileSync(join(s.dir, "inv.yml"), join(s.dir, "moved", "copy.yml"));
    const moved = { ...s, inv: loadInventory([join(s.dir, "moved", "copy.yml")]) };
    expect(moved.inv.hostVars("a").inventory_dir).toBe(join(s.dir, "moved"));
    const r = await steps(moved, { resume: true });
    expect(r.stepEvents.filter((e) => e.event === "step_rerun")).toEqual([]);
    expect(r.nodes.sent.filter((x) => x.script.includes("-step"))).toEqual([]);
  });

  it("a changed playbook re-runs its step and the later ones, with the reason per host", async () => {
    const s = setup();
    await steps(s, { resume: false });
    writeFileSync(join(s.dir, "play.yml"), play("all", "first-step-v2"));
    s.playbooks[0] = loadPlaybook(join(s.dir, "play.yml"));
    const r = await steps(s, { resume: true });
    expect(r.stepEvents.filter((e) => e.event === "step_rerun")).toEqual([
      { event: "step_rerun", step: "play", host: "a", reason: "files_changed" },
      { event: "step_rerun", step: "play", host: "b", reason: "files_changed" },
      { event: "step_rerun", step: "third", host: "b", reason: "earlier_step_reran" },
    ]);
  });
});
