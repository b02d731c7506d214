// The play iterator and task executor in process, against scripted fake nodes: handlers,
// rescue/always, serial with max_fail_percentage, run_once restored from the journal and the
// notify write-ahead. Each asserts on what reached the nodes and on the journal, not on wording.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Runner, type RunOptions } from "../../src/engine/runner.js";
import { Journal } from "../../src/state/journal.js";
import { UnreachableError } from "../../src/transport/index.js";
import { EventLog, FakeNodes, fixture, type Rule } from "../harness/fake-node.js";

const OPTS: RunOptions = { forks: 5, check: false, diff: false, extraVars: {} };

/** Fails a command holding `word` on the given hosts (exit 1). */
const failOn =
  (word: string, hosts: string[]): Rule =>
  (host, script) =>
    hosts.includes(host) && script.includes(word) ? { rc: 1, stderr: "boom" } : undefined;

async function run(o: { hosts: string[]; playbook: string; rule?: Rule; opts?: Partial<RunOptions> }) {
  const f = fixture(o.hosts, o.playbook);
  const nodes = new FakeNodes(o.rule);
  const log = new EventLog();
  const summary = await new Runner(f.inv, nodes, { ...OPTS, ...o.opts }, log).runPlaybook(f.pb);
  return { ...f, nodes, log, summary };
}

describe("handlers", () => {
  it("run once at the end of the section, on the notified hosts only, and on meta: flush_handlers", async () => {
    const r = await run({
      hosts: ["a", "b"],
      playbook: `
- hosts: all
  gather_facts: false
  tasks:
    - command: change-conf
      changed_when: inventory_hostname == 'a'
      notify: restart web
    - command: change-conf-again
      changed_when: inventory_hostname == 'a'
      notify: restart web
    - meta: flush_handlers
    - command: after-flush
      notify: reload db
  handlers:
    - name: restart web
      command: restart-web
    - name: reload db
      command: reload-db
`,
    });
    expect(r.summary.ok).toBe(true);
    // notified twice, run once; b was never notified
    expect(r.nodes.ran("a", "restart-web")).toBe(1);
    expect(r.nodes.ran("b", "restart-web")).toBe(0);
    // flushed before after-flush ran, so it came first on the node
    const aScripts = r.nodes.sent.filter((s) => s.host === "a").map((s) => s.script);
    const restartAt = aScripts.findIndex((s) => s.includes("restart-web"));
    expect(restartAt).toBeLessThan(aScripts.findIndex((s) => s.includes("after-flush")));
    // the end-of-section flush runs the handler notified after the explicit flush
    expect(r.nodes.ran("a", "reload-db")).toBe(1);
    expect(r.nodes.ran("b", "reload-db")).toBe(1);
  });

  it("do not run on a host that failed after being notified", async () => {
    const r = await run({
      hosts: ["a", "b"],
      rule: failOn("later-step", ["b"]),
      playbook: `
- hosts: all
  gather_facts: false
  tasks:
    - command: change-conf
      notify: restart web
    - command: later-step
  handlers:
    - name: restart web
      command: restart-web
`,
    });
    expect(r.nodes.ran("a", "restart-web")).toBe(1);
    expect(r.nodes.ran("b", "restart-web")).toBe(0);
    expect(r.summary.hosts.b.failed).toBe(1);
  });
});

describe("blocks", () => {
  it("rescue runs on the failed host only, always on every host, and a rescued host is not failed", async () => {
    const r = await run({
      hosts: ["a", "b"],
      rule: failOn("risky", ["b"]),
      playbook: `
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - command: risky
        - command: after-risky
      rescue:
        - command: "recover-rc-{{ ansible_failed_result.rc }}"
      always:
        - command: cleanup
    - command: next-task
`,
    });
    expect(r.nodes.ran("a", "after-risky")).toBe(1);
    expect(r.nodes.ran("b", "after-risky")).toBe(0);
    expect(r.nodes.ran("a", "recover")).toBe(0);
    expect(r.nodes.ran("b", "recover")).toBe(1);
    expect(r.nodes.ran("b", "recover-rc-1")).toBe(1); // the failed result reached the rescue
    expect(r.nodes.ran("a", "cleanup") + r.nodes.ran("b", "cleanup")).toBe(2);
    expect(r.nodes.ran("b", "next-task")).toBe(1);
    expect(r.summary.ok).toBe(true);
    expect(r.summary.hosts.b).toMatchObject({ failed: 0, rescued: 1 });
  });

  it("always runs on a host that failed without rescue, which then stays failed", async () => {
    const r = await run({
      hosts: ["a"],
      rule: failOn("risky", ["a"]),
      playbook: `
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - command: risky
      always:
        - command: cleanup
    - command: next-task
`,
    });
    expect(r.nodes.ran("a", "cleanup")).toBe(1);
    expect(r.nodes.ran("a", "next-task")).toBe(0);
    expect(r.summary.ok).toBe(false);
  });
});

describe("serial and max_fail_percentage", () => {
  it("a batch over the limit stops the play: later batches never reach their nodes", async () => {
    const hosts = ["h1", "h2", "h3", "h4", "h5", "h6"];
    const r = await run({
      hosts,
      rule: failOn("step-one", ["h2"]),
      playbook: `
- hosts: all
  gather_facts: false
  serial: 2
  max_fail_percentage: 40
  tasks:
    - command: step-one
    - command: step-two
`,
    });
    // batch 1 (h1, h2): 1 of 2 failed = 50% > 40%: h1 does not go on, h3..h6 never start
    expect(r.nodes.ran("h1", "step-one")).toBe(1);
    expect(r.nodes.ran("h1", "step-two")).toBe(0);
    for (const h of ["h3", "h4", "h5", "h6"]) expect(r.nodes.sent.filter((s) => s.host === h)).toEqual([]);
  });

  it("batches below the limit all run, in order", async () => {
    const hosts = ["h1", "h2", "h3", "h4"];
    const r = await run({
      hosts,
      rule: failOn("step-one", ["h4"]),
      playbook: `
- hosts: all
  gather_facts: false
  serial: [1, "50%"]
  max_fail_percentage: 50
  tasks:
    - command: step-one
`,
    });
    expect(r.nodes.sent.map((s) => s.host)).toEqual(["h1", "h2", "h3", "h4"]);
    expect(r.summary.hosts.h4.failed).toBe(1);
  });
});

/** A step with its journal, as `kplay run --resume` gives the engine. */
function stepOpts(dir: string, resume: boolean): { journal: Journal; opts: Partial<RunOptions> } {
  const journal = new Journal(dir);
  if (resume) journal.resumeRun(["s"]);
  else journal.startRun(["s"]);
  return { journal, opts: { step: { name: "s", runId: journal.runId, journal, reconnectWindowMs: 0 } } };
}

describe("resume", () => {
  it("run_once: the result restored from the journal reaches every host, and the task does not run again", async () => {
    const playbook = `
- hosts: all
  gather_facts: false
  tasks:
    - command: make-token
      run_once: true
      register: tok
    - command: "join {{ tok.stdout }}"
`;
    const state = mkdtempSync(join(tmpdir(), "kplay-journal-"));
    const first = stepOpts(state, false);
    const r1 = await run({
      hosts: ["a", "b", "c"],
      playbook,
      opts: first.opts,
      rule: (h, s) =>
        s.includes("make-token") ? { stdout: "T-123" } : s.includes("join") && h === "c" ? { rc: 1 } : {},
    });
    first.journal.close();
    expect(r1.nodes.ran("a", "make-token")).toBe(1);
    expect(r1.summary.hosts.c.failed).toBe(1);

    const again = stepOpts(state, true);
    const r2 = await run({ hosts: ["a", "b", "c"], playbook, opts: again.opts });
    again.journal.close();
    expect(r2.nodes.sent.filter((s) => s.script.includes("make-token"))).toEqual([]);
    // c (the one that failed) joins with the token restored from the journal
    expect(r2.nodes.ran("c", "T-123")).toBe(1);
    expect(r2.summary.ok).toBe(true);
  });

  it("notify write-ahead: a handler due when the controller lost the task's result still runs on resume", async () => {
    const playbook = `
- hosts: all
  gather_facts: false
  tasks:
    - name: write conf
      command: write-conf
      register: w
      changed_when: "'wrote' in w.stdout"
      notify: restart web
  handlers:
    - name: restart web
      command: restart-web
`;
    const state = mkdtempSync(join(tmpdir(), "kplay-journal-"));
    const first = stepOpts(state, false);
    let pendingWhenSent: string[] = [];
    const r1 = await run({
      hosts: ["a"],
      playbook,
      opts: first.opts,
      rule: (h, s) => {
        if (!s.includes("write-conf")) return undefined;
        // the node changed; then the link is lost before the result comes back
        pendingWhenSent = first.journal.pendingHandlers("s", h);
        throw new UnreachableError(h, "link lost", true);
      },
    });
    first.journal.close();
    expect(pendingWhenSent).toEqual(["restart web"]); // durable before the task reached the node
    expect(r1.nodes.ran("a", "restart-web")).toBe(0);

    const again = stepOpts(state, true);
    // the re-run task finds the file already written: ok, notifies nothing by itself
    const r2 = await run({ hosts: ["a"], playbook, opts: again.opts, rule: () => ({ stdout: "same" }) });
    expect(r2.log.statuses("write conf")).toEqual({ a: ["ok"] });
    expect(r2.nodes.ran("a", "restart-web")).toBe(1);
    expect(again.journal.pendingHandlers("s", "a")).toEqual([]);
    again.journal.close();
  });

  it("a task that finished and changed nothing withdraws its notify intent", async () => {
    const playbook = `
- hosts: all
  gather_facts: false
  tasks:
    - command: check-conf
      changed_when: false
      notify: restart web
  handlers:
    - name: restart web
      command: restart-web
`;
    const state = mkdtempSync(join(tmpdir(), "kplay-journal-"));
    const s = stepOpts(state, false);
    const r = await run({ hosts: ["a"], playbook, opts: s.opts });
    expect(r.nodes.ran("a", "restart-web")).toBe(0);
    expect(s.journal.pendingHandlers("s", "a")).toEqual([]);
    s.journal.close();
  });
});

describe("ignore_unreachable", () => {
  const playbook = (where: "task" | "play") => `
- hosts: all
  gather_facts: false
  ${where === "play" ? "ignore_unreachable: true" : ""}
  tasks:
    - name: probe
      command: probe
      register: r
      ${where === "task" ? "ignore_unreachable: true" : ""}
    - command: after {{ r.unreachable | default(false) }}
`;
  const unreachableB: Rule = (h, s) => {
    if (h === "b" && s.includes("probe")) throw new UnreachableError(h, "link lost", true);
    return undefined;
  };
  const recap = (log: EventLog) => {
    const e = log.events.find((x) => x.event === "recap");
    return e && e.event === "recap" ? e.hosts : {};
  };

  it.each(["task", "play"] as const)(
    "as a %s keyword: the host stays, its result registered; counted ok and ignored (Ansible's strategy)",
    async (where) => {
      const r = await run({ hosts: ["a", "b"], playbook: playbook(where), rule: unreachableB });
      expect(r.log.statuses("probe")).toEqual({ a: ["changed"], b: ["unreachable"] });
      expect(r.nodes.ran("b", "after True")).toBe(1);
      expect(r.nodes.ran("a", "after False")).toBe(1);
      expect(recap(r.log).b).toMatchObject({ ok: 2, changed: 1, unreachable: 0, ignored: 1 });
      expect(r.summary.ok).toBe(true);
    },
  );

  it("without it the host is unreachable and runs nothing more", async () => {
    const r = await run({
      hosts: ["a", "b"],
      playbook: playbook("task").replace("ignore_unreachable: true", ""),
      rule: unreachableB,
    });
    expect(r.nodes.ran("b", "after")).toBe(0);
    expect(recap(r.log).b).toMatchObject({ unreachable: 1 });
    expect(r.summary.ok).toBe(false);
  });
});
