// The detached runner, run for real by sh on this machine (the same script runs on nodes over
// SSH in the resume integration tests): a command runs once, a second send re-attaches to it
// (running or finished) instead of running it again, a command whose process vanished is
// reported lost and its files put aside, and the script sees a clean shell.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  cleanupScript,
  detachedScript,
  localRunBase,
  LOST_MARK,
  LOST_RC,
  runName,
  runPath,
} from "../../src/transport/detach.js";
import { LocalConnection } from "../../src/transport/local.js";
import { userScript } from "../../src/transport/sh.js";
import { INCOMPLETE } from "../../src/transport/stdin.js";
import { sha256Hex as sha256 } from "../../src/hash.js";

const conn = new LocalConnection("localhost");
const run = `kplay-unit-${randomBytes(4).toString("hex")}`;
const dir = (step: string) => runPath(run, step, "a1");
const runDir = (step: string) => join(localRunBase(), dir(step));
afterAll(() => rmSync(join(localRunBase(), run), { recursive: true, force: true }));

describe("detachedScript", () => {
  it("runs a command once; sent again, it returns the recorded result without running it", async () => {
    const counter = join(runDir("once"), "..", "counter");
    const script = `echo ran >> '${counter}'; echo out; echo err >&2; exit 3`;
    const name = runName("0_tasks_1", 0, 1, 0);
    const first = await conn.exec(detachedScript(dir("once"), name, userScript(script)));
    expect(first).toEqual({ rc: 3, stdout: "out\n", stderr: "err\n" });
    const again = await conn.exec(detachedScript(dir("once"), name, userScript(script)));
    expect(again).toEqual(first);
    expect(readFileSync(counter, "utf8")).toBe("ran\n");
    expect(readdirSync(runDir("once")).sort()).toEqual([
      `${name}.err`,
      `${name}.in`,
      `${name}.out`,
      `${name}.pid`,
      `${name}.rc`,
      `${name}.script`,
      `${name}.start`,
    ]);
    // another name in the same run directory is another command
    const other = await conn.exec(detachedScript(dir("once"), runName("0_tasks_1", 0, 1, 1), userScript(script)));
    expect(other.rc).toBe(3);
    expect(readFileSync(counter, "utf8")).toBe("ran\nran\n");
  });

  it("re-attaches to a command still running and waits for its result", async () => {
    const marker = join(runDir("running"), "..", "running-count");
    const script = `echo x >> '${marker}'; sleep 1; echo done`; // the second send comes while it sleeps
    const name = runName("t", 0, 1, 0);
    const first = conn.exec(detachedScript(dir("running"), name, userScript(script)));
    for (let i = 0; i < 500 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(marker)).toBe(true);
    const second = await conn.exec(detachedScript(dir("running"), name, userScript(script)));
    expect(second).toEqual({ rc: 0, stdout: "done\n", stderr: "" });
    expect(await first).toEqual(second);
    expect(readFileSync(marker, "utf8")).toBe("x\n");
  });

  it("gives the script a clean shell: no positional parameters, none of the runner's variables", async () => {
    const r = await conn.exec(
      detachedScript(
        dir("clean"),
        runName("t", 0, 1, 0),
        userScript('echo "$#:${kplay_n_-unset}:${st-unset}:${r-unset}:${d-unset}"; pwd'),
      ),
    );
    expect(r.stdout).toBe(`0:unset:unset:unset:unset\n${runDir("clean")}\n`);
  });

  it("feeds checked stdin; data that arrived cut is refused and the command can start afresh", async () => {
    const data = "line one\nline two\n";
    const name = runName("t", 0, 1, 0);
    const cut = await conn.exec(detachedScript(dir("stdin"), name, userScript("wc -l"), { stdinSum: sha256(data) }), {
      stdin: data.slice(0, 5),
    });
    expect(cut.rc).toBe(1);
    expect(cut.stderr.trim()).toBe(INCOMPLETE);
    expect(existsSync(join(runDir("stdin"), `${name}.in`))).toBe(false);
    const whole = await conn.exec(detachedScript(dir("stdin"), name, userScript("wc -l"), { stdinSum: sha256(data) }), {
      stdin: data,
    });
    expect(whole).toEqual({ rc: 0, stdout: "2\n", stderr: "" });
  });

  it("reports a started command whose process is gone as lost, puts its files aside, then runs it afresh", async () => {
    const name = runName("t", 0, 1, 0);
    const r = runDir("lost");
    const script = "echo fresh";
    // a command that was started (its input and pid are there) but whose process is gone
    await conn.exec(
      userScript(
        `mkdir -p '${r}' && : > '${r}/${name}.in' && echo 999999 > '${r}/${name}.pid' && echo 1 > '${r}/${name}.start'`,
      ),
    );
    const lost = await conn.exec(detachedScript(dir("lost"), name, userScript(script)));
    expect(lost.rc).toBe(LOST_RC);
    expect(lost.stderr).toContain(LOST_MARK);
    const aside = readdirSync(r).filter((f) => f.startsWith(`${name}.lost.`));
    expect(aside).toHaveLength(1);
    expect(readdirSync(join(r, aside[0])).sort()).toEqual([`${name}.in`, `${name}.pid`, `${name}.start`]);
    expect(await conn.exec(detachedScript(dir("lost"), name, userScript(script)))).toEqual({
      rc: 0,
      stdout: "fresh\n",
      stderr: "",
    });
  });

  it("a step's cleanup empties the scripts and inputs of older runs' finished commands, not running ones", async () => {
    const old = join(localRunBase(), `${run}-killed`, "01-step", "1");
    mkdirSync(old, { recursive: true });
    const files = { "t.0.script": "secret-script", "t.0.in": "secret-in", "t.0.out": "out", "t.0.rc": "0\n" };
    for (const [f, text] of Object.entries(files)) writeFileSync(join(old, f), text);
    writeFileSync(join(old, "u.0.script"), "still running"); // no .rc: running
    const past = new Date(Date.now() - 3600_000);
    for (const f of readdirSync(old)) utimesSync(join(old, f), past, past);
    await conn.exec(detachedScript(dir("sweep"), runName("t", 0, 1, 0), userScript("true")));
    expect((await conn.exec(cleanupScript(runPath(run, "sweep")))).rc).toBe(0);
    const text = (f: string) => readFileSync(join(old, f), "utf8");
    expect([text("t.0.script"), text("t.0.in"), text("t.0.out"), text("t.0.rc")]).toEqual(["", "", "out", "0\n"]);
    expect(text("u.0.script")).toBe("still running");
    rmSync(join(localRunBase(), `${run}-killed`), { recursive: true, force: true });
  });

  it("the step's cleanup removes its run directory", async () => {
    await conn.exec(detachedScript(dir("gone"), runName("t", 0, 1, 0), userScript("true")));
    writeFileSync(join(runDir("gone"), "extra"), "x");
    expect((await conn.exec(cleanupScript(runPath(run, "gone")))).rc).toBe(0);
    expect(existsSync(join(localRunBase(), run, "gone"))).toBe(false);
  });
});

describe("detachedScript under contention", () => {
  it("twenty first commands of the same user at once all run (making the run base is a race they all survive)", async () => {
    const base = localRunBase();
    const moved = `${base}.kplay-test-aside-${process.pid}`;
    const { existsSync: ex, renameSync } = await import("node:fs");
    // a fresh base, as on a node no command ran on yet
    if (ex(base)) renameSync(base, moved);
    try {
      const rs = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          conn.exec(detachedScript(dir(`race-${i}`), runName("t", 0, 1, i), userScript("echo ok"))),
        ),
      );
      expect(rs.map((r) => `${r.rc}:${r.stdout.trim()}:${r.stderr.trim()}`)).toEqual(Array(20).fill("0:ok:"));
    } finally {
      rmSync(base, { recursive: true, force: true });
      if (ex(moved)) renameSync(moved, base);
    }
  });
});
