// The journal survives torn writes: a cut or corrupt tail is detected, reported and cut off;
// what came before is read back exactly. The lock names its holder and takes over stale locks.
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { KplayError } from "../../src/errors.js";
import { Journal } from "../../src/state/journal.js";
import { StateLock } from "../../src/state/lock.js";
import { writeFileAtomic } from "../../src/state/atomic.js";

const dir = () => mkdtempSync(join(tmpdir(), "kplay-state-"));

function sample(d: string): Journal {
  const j = new Journal(d);
  j.startRun(["s1", "s2"]);
  j.write({ t: "step_reset", step: "s1", host: "n1", fp: "f1", reason: "start" });
  j.write({
    t: "task_done",
    step: "s1",
    task: "0/tasks/0",
    host: "n1",
    status: "changed",
    result: { rc: 0, stdout: "x" },
    time: "t",
  });
  j.write({ t: "notify", step: "s1", host: "n1", handler: "restart" });
  j.flush();
  return j;
}

describe("journal", () => {
  it("reads back what was written", () => {
    const d = dir();
    sample(d).close();
    const j = new Journal(d);
    expect(j.completedTask("s1", "n1", "0/tasks/0")).toMatchObject({
      status: "changed",
      result: { rc: 0, stdout: "x" },
    });
    expect(j.pendingHandlers("s1", "n1")).toEqual(["restart"]);
    expect(j.droppedTail).toBeUndefined();
  });

  it.each([
    ["a line torn mid-write", (f: string) => appendFileSync(f, '{"t":"host_step_done","step":"s1","ho')],
    [
      "a line with a wrong checksum",
      (f: string) =>
        appendFileSync(f, '{"t":"handler_done","step":"s1","host":"n1","handler":"restart"}\tdeadbeef0000\n'),
    ],
    ["garbage bytes in the last record", (f: string) => appendFileSync(f, Buffer.from([0, 255, 1, 2, 10]))],
    ["zeroes after the last record (a lost page)", (f: string) => appendFileSync(f, Buffer.alloc(512))],
  ])("ignores and cuts off %s", (_n, damage) => {
    const d = dir();
    sample(d).close();
    const f = join(d, "journal.jsonl");
    const good = readFileSync(f);
    damage(f);
    const j = new Journal(d);
    expect(j.droppedTail?.bytes).toBeGreaterThan(0);
    expect(j.pendingHandlers("s1", "n1")).toEqual(["restart"]); // the bad record was not applied
    expect(readFileSync(f)).toEqual(good);
    j.write({ t: "handler_done", step: "s1", host: "n1", handler: "restart" }, true);
    expect(new Journal(d).pendingHandlers("s1", "n1")).toEqual([]);
  });

  it("a corrupt record with records after it is an input error naming the line; nothing is cut", () => {
    const d = dir();
    sample(d).close();
    const f = join(d, "journal.jsonl");
    const lines = readFileSync(f, "utf8").split("\n");
    lines[1] = lines[1].replace(/"t":"/, '"t":"X'); // one changed byte in the middle: the checksum no longer matches
    writeFileSync(f, lines.join("\n"));
    const before = readFileSync(f);
    let err: unknown;
    try {
      new Journal(d);
    } catch (e) {
      err = e;
    }
    expect((err as KplayError).exitCode).toBe(2);
    expect((err as KplayError).describe()).toMatch(/journal\.jsonl:2: record 2 is corrupt/);
    expect(readFileSync(f)).toEqual(before);
  });

  it("opened read-only (status), a torn tail is reported but never cut", () => {
    const d = dir();
    sample(d).close();
    const f = join(d, "journal.jsonl");
    appendFileSync(f, '{"t":"host_step_done","st');
    const before = readFileSync(f);
    const j = new Journal(d, { readOnly: true });
    expect(j.droppedTail?.bytes).toBeGreaterThan(0);
    expect(readFileSync(f)).toEqual(before);
    expect(() => j.write({ t: "forget", host: "n1", time: "t" })).toThrow(/read-only/);
  });

  it("a notify intent survives a crash; its withdrawal removes only that handler", () => {
    const d = dir();
    const j = sample(d);
    j.write({ t: "notify", step: "s1", host: "n1", handler: "reload", intent: true }, true);
    const crashed = new Journal(d); // what a resume after kill -9 reads
    expect(crashed.pendingHandlers("s1", "n1").sort()).toEqual(["reload", "restart"]);
    crashed.write({ t: "notify_cancel", step: "s1", host: "n1", handler: "reload" }, true);
    expect(new Journal(d).pendingHandlers("s1", "n1")).toEqual(["restart"]);
  });

  it("a finished step clears its partial records; a reset starts the step over", () => {
    const d = dir();
    const j = sample(d);
    j.write({ t: "host_step_done", step: "s1", host: "n1", fp: "f1", files: "a", vars: "b", time: "t" }, true);
    expect(j.stepDone("s1", "n1")?.fp).toBe("f1");
    expect(j.completedTask("s1", "n1", "0/tasks/0")).toBeUndefined();
    j.write({ t: "step_reset", step: "s1", host: "n1", fp: "f2", reason: "re-run" }, true);
    expect(new Journal(d).stepDone("s1", "n1")).toBeUndefined();
  });

  it("a new run keeps the old journal beside it", () => {
    const d = dir();
    sample(d).close();
    const j = new Journal(d);
    const old = j.runId;
    j.startRun(["s1"]);
    expect(j.runId).not.toBe(old);
    expect(j.completedTask("s1", "n1", "0/tasks/0")).toBeUndefined();
  });
});

describe("state lock", () => {
  it("refuses a second holder, naming the first", () => {
    const d = dir();
    StateLock.acquire(d, "kplay run a.yml", () => undefined);
    // Another live process (our parent) holds it now.
    writeFileAtomic(
      join(d, "lock"),
      JSON.stringify({
        pid: process.ppid,
        host: hostname(),
        started: "2026-11-22T00:00:00Z",
        command: "kplay run x.yml",
      }),
    );
    try {
      StateLock.acquire(d, "kplay run b.yml", () => undefined);
      throw new Error("no error");
    } catch (e) {
      expect(e).toBeInstanceOf(KplayError);
      expect((e as Error).message).toMatch(
        new RegExp(`pid ${process.ppid} on .*started 2026-11-22T00:00:00Z \\(kplay run x.yml\\)`),
      );
    }
  });

  it("takes over a lock left by a dead process, with a warning", () => {
    const d = dir();
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    writeFileSync(
      join(d, "lock"),
      JSON.stringify({ pid: Number(dead), host: hostname(), started: "t", command: "kplay run" }),
    );
    const warnings: string[] = [];
    const lock = StateLock.acquire(d, "kplay run", (m) => warnings.push(m));
    expect(warnings[0]).toMatch(new RegExp(`stale lock left by pid ${dead}`));
    lock.release();
    expect(existsSync(join(d, "lock"))).toBe(false);
  });
});

describe("journal: forgetting a host, step attempts", () => {
  it("forget drops every record of one host, and stays forgotten after a reload", () => {
    const d = mkdtempSync(join(tmpdir(), "kplay-forget-"));
    const j = new Journal(d);
    j.startRun(["s1", "s2"]);
    for (const h of ["a", "b"]) {
      j.write({ t: "step_reset", step: "s1", host: h, fp: "f", reason: "start", attempt: `att-${h}` });
      j.write({ t: "host_step_done", step: "s1", host: h, fp: "f", files: "x", vars: "y", time: "t" });
      j.write({ t: "task_done", step: "s2", task: "0/1", host: h, status: "ok", time: "t" });
    }
    j.forgetHost("a");
    j.close();
    const again = new Journal(d);
    expect(again.stepDone("s1", "a")).toBeUndefined();
    expect(again.completedTask("s2", "a", "0/1")).toBeUndefined();
    expect(again.stepDone("s1", "b")?.fp).toBe("f");
    expect(["a", "b"].filter((h) => again.stepDone("s1", h))).toEqual(["b"]);
  });

  it("a step attempt keeps its id until the step is reset again", () => {
    const d = mkdtempSync(join(tmpdir(), "kplay-attempt-"));
    const j = new Journal(d);
    j.startRun(["s1"]);
    j.write({ t: "step_reset", step: "s1", host: "a", fp: "f", reason: "start", attempt: "one" });
    j.write({ t: "task_done", step: "s1", task: "0/1", host: "a", status: "ok", time: "t" });
    j.close();
    expect(new Journal(d).hostState("s1", "a")?.attempt).toBe("one");
  });
});
