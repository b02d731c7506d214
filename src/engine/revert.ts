// Owns undoing what kplay did to hosts: each host's undo log (modules/undo.ts) replayed newest
// first in one round trip per host, hosts in parallel up to the fork limit, each outcome
// reported as a host_result and a recap. Interrupted, it continues on the next call: every
// entry leaves the log once undone.
import { forEachLimited } from "../concurrency.js";
import type { Inventory } from "../inventory/index.js";
import { revertScript } from "../modules/undo.js";
import type { HostStatus, RecapCounts, Reporter } from "../report/index.js";
import { UnreachableError, type NodePool } from "../transport/index.js";
import { connectionSpec } from "../transport/spec.js";

export interface RevertOutcome {
  host: string;
  status: HostStatus;
  undone: string[];
  msg?: string;
}

/** Where reverts run and report. */
export interface RevertContext {
  inv: Inventory;
  pool: NodePool;
  report: Reporter;
  forks: number;
}

export async function revertHosts(
  c: RevertContext,
  hosts: string[],
  label = "Undo kplay's changes (newest first)",
): Promise<RevertOutcome[]> {
  const t0 = Date.now();
  c.report.emit({
    event: "task_start",
    play: "revert",
    task: label,
    handler: false,
    hosts: hosts.length,
    targets: hosts,
  });
  const out: RevertOutcome[] = [];
  await forEachLimited(hosts, c.forks, async (host) => {
    const started = Date.now();
    const o = await revertOne(c, host);
    out.push(o);
    const result = {
      changed: o.status === "changed",
      undone: o.undone,
      ...(o.msg ? { msg: o.msg, failed: true } : {}),
    };
    const elapsed_ms = Date.now() - started;
    c.report.emit({
      event: "host_result",
      task: label,
      module: "revert",
      host,
      status: o.status,
      elapsed_ms,
      result,
    });
  });
  c.report.emit({ event: "task_end", task: label, elapsed_ms: Date.now() - t0 });
  const counts: Record<string, RecapCounts> = {};
  for (const o of out) counts[o.host] = recapOf(o.status);
  const ok = out.every((o) => o.status === "ok" || o.status === "changed");
  c.report.emit({ event: "recap", hosts: counts, elapsed_ms: Date.now() - t0, ok });
  return out;
}

async function revertOne(c: RevertContext, host: string): Promise<RevertOutcome> {
  try {
    const bastion = c.inv.hasHost("bastion") ? c.inv.hostVars("bastion") : undefined;
    const conn = await c.pool.get(connectionSpec(host, c.inv.hostVars(host), bastion));
    const r = await conn.exec(revertScript(), { become: true, timeoutMs: 30 * 60_000 });
    const lines = r.stdout.split("\n");
    const undone = lines
      .filter((l) => l.startsWith("KPLAY-UNDO: ") && l !== "KPLAY-UNDO: none")
      .map((l) => l.slice("KPLAY-UNDO: ".length));
    const failed = lines.find((l) => l.startsWith("KPLAY-UNDO-FAILED: "));
    if (r.rc === 0 && !failed) return { host, status: undone.length ? "changed" : "ok", undone };
    const msg = failed
      ? `undo failed at ${failed.slice("KPLAY-UNDO-FAILED: ".length)}`
      : (r.stderr || r.stdout).trim() || `rc ${r.rc}`;
    return { host, status: "failed", undone, msg };
  } catch (e) {
    if (e instanceof UnreachableError) c.pool.drop(host);
    const status = e instanceof UnreachableError ? "unreachable" : "failed";
    return { host, status, undone: [], msg: (e as Error).message };
  }
}

function recapOf(status: HostStatus): RecapCounts {
  const done = status === "ok" || status === "changed";
  const n = (b: boolean) => (b ? 1 : 0);
  return {
    ok: n(done),
    changed: n(status === "changed"),
    unreachable: n(status === "unreachable"),
    failed: n(status === "failed"),
    skipped: 0,
    rescued: 0,
    ignored: 0,
  };
}
