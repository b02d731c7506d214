// What an idempotent re-run costs on the node (issue 36), against scripted fake nodes: a command
// its task declares unchanging (changed_when: false) runs attached, without the detached run
// directory (files, setsid, polling) that lets a cut command be re-attached instead of re-run;
// and a step sends its closing clean-up round trip only to hosts where it detached a command
// (a resumed run, whose cut half may have left a directory anywhere, cleans everywhere).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runSteps } from "../../src/engine/steps.js";
import { Journal } from "../../src/state/journal.js";
import { EventLog, FakeNodes, fixture } from "../harness/fake-node.js";

const DETACHED = "setsid -w sh -c"; // the detach wrapper's launcher (transport/detach.ts)
const CLEANUP = /rm -rf -- "\$b"\//; // the step's closing clean-up (cleanupScript)

async function run(tasks: string, resume = false) {
  const f = fixture(["a", "b"], `- hosts: all\n  gather_facts: false\n  tasks:\n${tasks}`);
  const journal = new Journal(join(f.dir, "state"));
  const nodes = new FakeNodes();
  const ok = await runSteps({
    inv: f.inv,
    pool: nodes,
    playbooks: [f.pb],
    journal,
    stateDir: join(f.dir, "state"),
    resume,
    continueHint: "",
    run: { forks: 5, check: false, diff: false, extraVars: {} },
    reconnectWindowMs: 0,
    report: new EventLog(),
  });
  journal.close();
  expect(ok).toBe(true);
  return nodes.sent;
}

describe("an idempotent re-run's round trips", () => {
  it("a command declared unchanging runs attached; any other command runs detached", async () => {
    const sent = await run(
      "    - command: uname -r\n      changed_when: false\n" +
        "    - command: echo query\n      changed_when: 'False'\n" +
        "    - command: touch /tmp/made\n",
    );
    const of = (word: string) => sent.filter((s) => s.script.includes(word));
    expect(of("uname").every((s) => !s.script.includes(DETACHED))).toBe(true);
    expect(of("query").every((s) => !s.script.includes(DETACHED))).toBe(true);
    expect(of("/tmp/made").length).toBe(2);
    expect(of("/tmp/made").every((s) => s.script.includes(DETACHED))).toBe(true);
  });

  it("a step that detached nothing sends no clean-up; one that did cleans those hosts", async () => {
    const idempotent = await run("    - command: uname -r\n      changed_when: false\n");
    expect(idempotent.filter((s) => CLEANUP.test(s.script))).toEqual([]);
    const detached = await run("    - command: touch /tmp/made\n      when: inventory_hostname == 'b'\n");
    expect(detached.filter((s) => CLEANUP.test(s.script)).map((s) => s.host)).toEqual(["b"]);
  });

  it("a resumed step cleans every host it finished, detached or not", async () => {
    const sent = await run("    - command: uname -r\n      changed_when: false\n", true);
    expect(
      sent
        .filter((s) => CLEANUP.test(s.script))
        .map((s) => s.host)
        .sort(),
    ).toEqual(["a", "b"]);
  });
});
