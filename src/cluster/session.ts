// Owns what a cluster workflow works with once the CLI has parsed its flags, loaded the
// inventory and taken the state lock: the inventory, connections, where it reports, the
// recorded progress, the fact cache and the fork limit. Workflows return results; they never print.
import type { Inventory } from "../inventory/index.js";
import type { Reporter } from "../report/index.js";
import type { FactCache } from "../state/facts.js";
import type { Journal } from "../state/journal.js";
import type { NodePool } from "../transport/index.js";

export interface ClusterSession {
  inv: Inventory;
  pool: NodePool;
  report: Reporter;
  journal: Journal;
  facts: FactCache;
  stateDir: string;
  forks: number;
}

/** Emit a warning through the session's reporter. */
export function warn(s: { report: Reporter }, message: string): void {
  s.report.emit({ event: "warning", message });
}
