// The detached runner, run for real by sh on this machine (the same script runs on nodes over
// SSH in the resume integration tests): a command runs once, a second send re-attaches to it
// (running or finished) instead of running it again, a command whose process vanished is
// reported lost and its files put aside, and the script sees a clean shell.
import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
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
import { events, kplay } from "../harness/cluster.js";

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

  it("a guard that answers for the command (creates exists) starts nothing; a started command is re-attached without it", async () => {
    const marker = join(runDir("guard"), "..", "guard-made");
    const guard = userScript(`if [ -e '${marker}' ]; then echo SKIPPED; exit 0; fi`);
    const script = userScript(
      `if [ -e '${marker}' ]; then echo SKIPPED; exit 0; fi; echo made > '${marker}'; echo ran`,
    );
    const name = runName("0_tasks_2", 0, 1, 0);
    const first = await conn.exec(detachedScript(dir("guard"), name, script, { guard }));
    expect(first).toEqual({ rc: 0, stdout: "ran\n", stderr: "" });
    // the same command again (a resume): its recorded result, although the guard would now skip it
    expect(await conn.exec(detachedScript(dir("guard"), name, script, { guard }))).toEqual(first);
    // another task guarded by the same file: answered by the guard, no run files made for it
    const other = runName("0_tasks_3", 0, 1, 0);
    const skipped = await conn.exec(detachedScript(dir("guard"), other, script, { guard }));
    expect(skipped).toEqual({ rc: 0, stdout: "SKIPPED\n", stderr: "" });
    expect(readdirSync(runDir("guard")).filter((f) => f.startsWith(other))).toEqual([]);
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
    // A user of its own gives a fresh run base, as on a node no command ran on yet. Moving the
    // shared base aside instead pulled the run directory from under kplay runs on this machine at
    // the same moment (a differential case's runner could not start and was waited on forever).
    const user = `kplay-test-${randomBytes(4).toString("hex")}`;
    const base = `/var/tmp/kplay-${user}`;
    try {
      const rs = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          conn.exec(detachedScript(dir(`race-${i}`), runName("t", 0, 1, i), userScript("echo ok")), {
            env: { USER: user },
          }),
        ),
      );
      expect(rs.map((r) => `${r.rc}:${r.stdout.trim()}:${r.stderr.trim()}`)).toEqual(Array(20).fill("0:ok:"));
      expect(readdirSync(join(base, run)).length).toBe(20);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe("detachedScript when its runner never reports", () => {
  /** A directory holding a `setsid` that does what `body` says (then, maybe, the real one). */
  function fakeSetsid(body: string): string {
    const bin = join(runDir("fake-bin"), `${randomBytes(3).toString("hex")}`);
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "setsid"), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return bin;
  }

  it("a runner that cannot start is reported lost at once, the runner's complaint said, files put aside", async () => {
    const bin = fakeSetsid('echo "setsid: cannot fork" >&2; exit 1');
    const name = runName("t", 0, 1, 0);
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const lost = await conn.exec(detachedScript(dir("nostart"), name, userScript("echo ran")), { env });
    expect(lost.rc).toBe(LOST_RC);
    expect(lost.stderr).toContain("setsid: cannot fork");
    expect(lost.stderr).toContain(LOST_MARK);
    expect(readdirSync(runDir("nostart")).filter((f) => f.startsWith(`${name}.lost.`))).toHaveLength(1);
    const again = await conn.exec(detachedScript(dir("nostart"), name, userScript("echo ran")));
    expect(again).toEqual({ rc: 0, stdout: "ran\n", stderr: "" });
  });

  it("a run directory moved away before the runner starts: lost, not waited on forever", async () => {
    // the fake moves the run directory ($6 of -w sh -c RUNNER sh DIR NAME) aside, then starts the runner
    const bin = fakeSetsid('mv "$6" "$6.moved"; exec /usr/bin/setsid "$@"');
    const env = { PATH: `${bin}:${process.env.PATH}` };
    for (const stream of [false, true]) {
      const step = `moved-${stream}`;
      const r = await conn.exec(detachedScript(dir(step), runName("t", 0, 1, 0), userScript("echo ran"), { stream }), {
        env,
      });
      expect(r.rc).toBe(LOST_RC);
      expect(r.stderr).toContain(LOST_MARK);
      expect(existsSync(join(`${runDir(step)}.moved`, `${runName("t", 0, 1, 0)}.rc`))).toBe(false);
    }
  });
});

describe("a task whose command is lost", () => {
  /** Run one shell task on the controller with `setsid` answered by `fake` first on PATH. */
  async function runWithSetsid(fake: string): Promise<{ code: number; events: Array<Record<string, any>>; d: string }> {
    const d = mkdtempSync(join(tmpdir(), "kplay-lost-"));
    mkdirSync(join(d, "bin"));
    writeFileSync(join(d, "bin", "setsid"), `#!/bin/sh\n${fake}\n`, { mode: 0o755 });
    writeFileSync(join(d, "inv.ini"), "h1 ansible_connection=local\n");
    writeFileSync(
      join(d, "pb.yml"),
      `- hosts: h1\n  gather_facts: false\n  tasks:\n    - name: count\n` +
        `      shell: echo ran >> ${d}/counter\n      environment: { PATH: "${d}/bin:{{ ansible_env.PATH | default('/usr/bin:/bin') }}" }\n`,
    );
    const r = await kplay(["run", join(d, "pb.yml"), "-i", join(d, "inv.ini"), "--state-dir", join(d, "st"), "--json"]);
    return { code: r.code, events: events(r.stdout), d };
  }

  it("runs it again when its process vanished once, saying so; the command runs once", async () => {
    // the first start fails (no process to be had), the next ones start the real runner
    const {
      code,
      events: ev,
      d,
    } = await runWithSetsid(
      `[ -e "\${0%/bin/setsid}/failed" ] || { : > "\${0%/bin/setsid}/failed"; exit 1; }; exec /usr/bin/setsid "$@"`,
    );
    expect(code).toBe(0);
    expect(ev.filter((e) => e.event === "warning" && /gone without a result/.test(e.message))).toHaveLength(1);
    expect(readFileSync(join(d, "counter"), "utf8")).toBe("ran\n");
  });

  it("fails the task, not the run's patience, when the process vanishes every time", async () => {
    const { code, events: ev, d } = await runWithSetsid("echo 'setsid: no process' >&2; exit 1");
    expect(code).toBe(1);
    const result = ev.find((e) => e.event === "host_result" && e.task === "count")!;
    expect(result.status).toBe("failed");
    expect(JSON.stringify(result.result)).toMatch(/gone without a result 3 times: setsid: no process/);
    expect(existsSync(join(d, "counter"))).toBe(false);
  });
});
