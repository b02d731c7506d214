// The state lock under contention: many processes released at the same instant, with and
// without a stale lock left by a dead process, over many trials. Each holder marks the critical
// section and looks for another holder inside it; two holders at once is a failure.
// (Runs the compiled module: npm test builds first.)
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, watch, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const LOCK = join(import.meta.dirname, "../../dist/state/lock.js");
const WORKER = `
import { StateLock } from ${JSON.stringify(LOCK)};
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
const dir = process.argv[1];
writeFileSync(join(dir, "ready." + process.pid), "");
while (!existsSync(join(dir, "go"))) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
let lock;
try { lock = StateLock.acquire(dir, "test", () => {}); } catch { process.exit(3); }
const mine = join(dir, "held." + process.pid);
writeFileSync(mine, "");
const others = readdirSync(dir).filter((f) => f.startsWith("held.") && f !== "held." + process.pid);
if (others.length) writeFileSync(join(dir, "OVERLAP." + process.pid), others.join(","));
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30);
const again = readdirSync(dir).filter((f) => f.startsWith("held.") && f !== "held." + process.pid);
if (again.length) writeFileSync(join(dir, "OVERLAP2." + process.pid), again.join(","));
rmSync(mine);
lock.release();
`;

function deadPid(): number {
  const r = spawnSync("sh", ["-c", "echo $$"]);
  return Number(r.stdout.toString().trim());
}

/** Until every worker has said it waits at the barrier (its ready.PID file appears), within 30 s. */
function allReady(dir: string, workers: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const watcher = watch(dir);
    const deadline = setTimeout(() => {
      watcher.close();
      reject(new Error("the workers did not reach the barrier in 30 s"));
    }, 30_000);
    const check = () => {
      if (readdirSync(dir).filter((f) => f.startsWith("ready.")).length < workers) return;
      clearTimeout(deadline);
      watcher.close();
      resolve();
    };
    watcher.on("change", check);
    check(); // files made before the watcher started
  });
}

async function trial(stale: boolean, workers: number): Promise<{ overlaps: string[]; winners: number }> {
  const dir = mkdtempSync(join(tmpdir(), "kplay-lock-"));
  if (stale)
    writeFileSync(
      join(dir, "lock"),
      JSON.stringify({ pid: deadPid(), host: hostname(), started: "2026-01-01T00:00:00Z", command: "dead" }) + "\n",
    );
  const procs = Array.from({ length: workers }, () =>
    spawn(process.execPath, ["--input-type=module", "-e", WORKER, dir], { stdio: "ignore" }),
  );
  const codes = procs.map((p) => new Promise<number>((r) => p.on("exit", (c) => r(c ?? 1))));
  await allReady(dir, workers);
  writeFileSync(join(dir, "go"), "");
  const done = await Promise.all(codes);
  return {
    overlaps: readdirSync(dir).filter((f) => f.startsWith("OVERLAP")),
    winners: done.filter((c) => c === 0).length,
  };
}

describe("state lock", () => {
  it.each([
    ["a stale lock left by a dead process", true],
    ["no lock", false],
  ])(
    "6 processes at once, 20 trials, %s: never two holders, at least one wins",
    async (_n, stale) => {
      expect(existsSync(LOCK)).toBe(true);
      for (let t = 0; t < 20; t++) {
        const r = await trial(stale as boolean, 6);
        expect(r.overlaps).toEqual([]);
        expect(r.winners).toBeGreaterThanOrEqual(1);
      }
    },
    180_000,
  );
});
