// Owns undoing what kplay did to hosts: each host's undo log (modules/undo.ts) replayed newest
// first in one round trip per host, hosts in parallel up to the fork limit, each outcome
// reported as a host_result and a recap. Interrupted, it continues on the next call: every
// entry leaves the log once undone.
import PQueue from "p-queue";
import type { Inventory } from "../inventory/index.js";
import { revertScript } from "../modules/undo.js";
import type { HostStatus, RecapCounts, Reporter } from "../report/index.js";
import type { ConnectionPool } from "../transport/index.js";
import { UnreachableError } from "../transport/index.js";
import { connectionSpec } from "../transport/spec.js";

export interface RevertOutcome {
  host: string;
  status: HostStatus;
  undone: string[];
  msg?: string;
}

export async function revertHosts(
  inv: Inventory,
  pool: ConnectionPool,
  hosts: string[],
  forks: number,
  report: Reporter,
  label = "Undo kplay's changes (newest first)",
): Promise<RevertOutcome[]> {
  const t0 = Date.now();
  report.emit({ event: "task_start", play: "revert", task: label, handler: false, hosts: hosts.length });
  const q = new PQueue({ concurrency: Math.max(1, forks) });
  const out: RevertOutcome[] = [];
  for (const host of hosts) {
    q.add(async () => {
      const started = Date.now();
      let o: RevertOutcome;
      try {
        const spec = connectionSpec(
          host,
          inv.hostVars(host),
          inv.hasHost("bastion") ? inv.hostVars("bastion") : undefined,
        );
        const conn = await pool.get(spec);
        const r = await conn.exec(revertScript(), { become: true, timeoutMs: 30 * 60_000 });
        const undone = r.stdout
          .split("\n")
          .filter((l) => l.startsWith("KPLAY-UNDO: ") && l !== "KPLAY-UNDO: none")
          .map((l) => l.slice(12));
        const failed = r.stdout.split("\n").find((l) => l.startsWith("KPLAY-UNDO-FAILED: "));
        if (r.rc !== 0 || failed)
          o = {
            host,
            status: "failed",
            undone,
            msg: failed ? `undo failed at ${failed.slice(19)}` : (r.stderr || r.stdout).trim() || `rc ${r.rc}`,
          };
        else o = { host, status: undone.length ? "changed" : "ok", undone };
      } catch (e) {
        if (e instanceof UnreachableError) pool.drop(host);
        o = {
          host,
          status: e instanceof UnreachableError ? "unreachable" : "failed",
          undone: [],
          msg: (e as Error).message,
        };
      }
      out.push(o);
      report.emit({
        event: "host_result",
        task: label,
        module: "revert",
        host,
        status: o.status,
        elapsed_ms: Date.now() - started,
        result: { changed: o.status === "changed", undone: o.undone, ...(o.msg ? { msg: o.msg, failed: true } : {}) },
      });
    });
  }
  await q.onIdle();
  report.emit({ event: "task_end", task: label, elapsed_ms: Date.now() - t0 });
  const counts: Record<string, RecapCounts> = {};
  for (const o of out) {
    counts[o.host] = {
      ok: o.status === "ok" || o.status === "changed" ? 1 : 0,
      changed: o.status === "changed" ? 1 : 0,
      unreachable: o.status === "unreachable" ? 1 : 0,
      failed: o.status === "failed" ? 1 : 0,
      skipped: 0,
      rescued: 0,
      ignored: 0,
    };
  }
  report.emit({
    event: "recap",
    hosts: counts,
    elapsed_ms: Date.now() - t0,
    ok: out.every((o) => o.status === "ok" || o.status === "changed"),
  });
  return out;
}
