// Owns the flags, help and printing of `kplay etcd backup` (the workflow is cluster/etcd-backup.ts).
import { join, resolve } from "node:path";
import { KplayError } from "../errors.js";
import { etcdBackup } from "../cluster/etcd-backup.js";
import { COMMON, loadInv, parse, type Common } from "./options.js";
import { reporterFor } from "./run.js";
import { withClusterSession } from "./state.js";

export const ETCD_HELP = `\
Usage: kplay etcd backup (-c CONFIG | --sandbox | -i INVENTORY) [--out DIR]

A snapshot of the cluster's etcd, taken through the first member that answers a quorum read over
TLS (those kplay recorded as running etcd first), checked by etcdctl on the node, copied to the
controller and checked there by sha256: DIR/etcd-TIME.db (mode 0600) and DIR/etcd-TIME.db.json
(member, revision, keys, size, sha256). The node keeps no copy. DIR defaults to
STATE/backups/etcd. Nothing in the cluster changes.

Options:
      --out DIR   where the snapshot goes
  -h, --help      this help`;

export async function etcdCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...COMMON, out: { type: "string" } }, "etcd");
  if (values.help || positionals.length === 0) {
    console.log(ETCD_HELP);
    return values.help ? 0 : 2;
  }
  if (positionals[0] !== "backup" || positionals.length > 1)
    throw new KplayError("usage", `unknown etcd command "${positionals.join(" ")}"`, { hint: "kplay etcd backup" });
  const o = values as Common;
  const inv = loadInv(o);
  const { reporter, sd } = reporterFor(o, inv, {}, { kind: "steps" });
  const outDir = resolve(values.out ?? join(sd, "backups", "etcd"));
  return withClusterSession({ o, inv, sd, reporter }, "kplay etcd backup", async (session) => {
    const snap = await etcdBackup(session, { outDir });
    if (!snap) return 1;
    console.log(
      `etcd snapshot ${snap.file} (0600): revision ${snap.revision}, ${snap.keys} keys, ${snap.bytes} bytes, ` +
        `through ${snap.member}; sha256 ${snap.sha256}`,
    );
    return 0;
  });
}
