// The cluster commands' step console: a line per step with per-host counts, failures with their
// first line, a heartbeat naming host, task and elapsed time for a long task, and one summary at
// the end; no per-task lines. Fed the engine's events with a fake clock; output captured.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { KplayEvent } from "../../src/report/events.js";
import { Redactor } from "../../src/report/redact.js";
import { StepConsoleReporter } from "../../src/report/step-console.js";

function capture(tty: boolean) {
  let text = "";
  const out = { isTTY: tty, write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
  return { out, text: () => text };
}

const result = (host: string, status: "ok" | "changed" | "failed", msg?: string): KplayEvent => ({
  event: "host_result",
  task: "kubeadm init",
  module: "command",
  host,
  status,
  elapsed_ms: 1,
  result: msg ? { msg } : {},
});

describe("step console", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
  });

  it("steps, counts, heartbeat, failure and summary; no per-task lines; secrets masked", () => {
    const redact = new Redactor();
    redact.add("s3cr3t-token");
    const cap = capture(false);
    const r = new StepConsoleReporter(redact, { runHosts: 3, logFile: "/st/run.log", out: cap.out });
    r.emit({
      event: "step_start",
      step: "03-kubernetes",
      index: 3,
      total: 6,
      hosts: ["node1", "node2"],
      done_before: 0,
    });
    r.emit({ event: "play_start", play: "control plane", hosts: ["node1", "node2"] });
    r.emit({
      event: "task_start",
      play: "p",
      task: "kubeadm init",
      handler: false,
      hosts: 2,
      targets: ["node1", "node2"],
    });
    r.emit(result("node2", "changed"));
    vi.advanceTimersByTime(9_000);
    expect(cap.text()).not.toContain("still running");
    vi.advanceTimersByTime(1_500);
    expect(cap.text()).toContain('  … "kubeadm init" still running on node1 (10s)');
    expect(cap.text()).not.toMatch(/still running on .*node2/);
    vi.advanceTimersByTime(10_000);
    expect(cap.text()).toContain("(20s)");
    r.emit(result("node1", "failed", "join token s3cr3t-token refused\nsecond line"));
    r.emit({ event: "task_end", task: "kubeadm init", elapsed_ms: 21_000 });
    vi.advanceTimersByTime(30_000);
    expect(cap.text().match(/still running/g)).toHaveLength(2); // no heartbeat once the task ended
    r.emit({
      event: "step_end",
      step: "03-kubernetes",
      index: 3,
      total: 6,
      ok: ["node2"],
      failed: ["node1"],
      elapsed_ms: 21_000,
    });
    r.emit({
      event: "steps_end",
      ok: false,
      ran: ["03-kubernetes"],
      skipped: ["01-os"],
      no_hosts: [],
      not_run: ["04-network", "05-apps"],
      stopped: [{ host: "node1", step: "03-kubernetes" }],
      elapsed_ms: 51_000,
      hint: "run it again",
    });
    const text = cap.text();
    expect(text).toContain('  node1: FAILED at "kubeadm init": join token ******** refused\n');
    expect(text).not.toContain("s3cr3t");
    expect(text).not.toContain("second line");
    expect(text).toContain("STEP 3/6 03-kubernetes: done 1, failed 1, not applicable 1; 1 changed");
    expect(text).toMatch(/SUMMARY: 3 host\(s\), 1 step\(s\), 1 changed, 0 ok, 1 failed, 0 unreachable, 51(\.0)?s/);
    expect(text).toContain("full per-task log: /st/run.log");
    // steps not run because their hosts stopped are never counted as already done
    expect(text).toMatch(/STEPS: 1 ran, 1 already done, 2 not run \(their hosts stopped\), in 51(\.0)?s/);
    expect(text).not.toContain("TASK [");
    expect(text).not.toContain("control plane"); // plays are not shown when there are steps
  });

  it("on a TTY the step's live line is redrawn in place, cleared before the next line", () => {
    vi.stubEnv("NO_COLOR", "1");
    const cap = capture(true);
    const r = new StepConsoleReporter(new Redactor(), { runHosts: 1, logFile: "l", out: cap.out });
    r.emit({ event: "step_start", step: "s", index: 1, total: 1, hosts: ["node1"], done_before: 0 });
    const header = cap.text();
    r.emit({ event: "task_start", play: "p", task: "long", handler: false, hosts: 1, targets: ["node1"] });
    vi.advanceTimersByTime(12_000);
    r.emit({ event: "task_end", task: "long", elapsed_ms: 12_000 });
    const t = cap.text().slice(header.length);
    // drawn from the start, every second: the step's hosts by state, the task and where it runs
    expect(t).toContain('\r\x1b[2K  [running 1, failed 0, not applicable 0] "long" on node1 (1s)');
    expect(t).toContain('\r\x1b[2K  [running 1, failed 0, not applicable 0] "long" on node1 (12s)');
    expect(t.endsWith("\r\x1b[2K")).toBe(true); // the live line is gone when the task ends
    expect(t).not.toContain("\n");
  });
});
