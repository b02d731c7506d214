// Owns the flags, help, confirmation and printing of `kplay etcd backup` and `kplay etcd restore`
// (the workflows are cluster/etcd-backup.ts and cluster/etcd-restore.ts).
import { join, resolve } from "node:path";
import { KplayError } from "../errors.js";
import { etcdBackup } from "../cluster/etcd-backup.js";
import { checkedSnapshot, etcdRestore, initialCluster } from "../cluster/etcd-restore.js";
import { etcdMembers } from "../cluster/nodes.js";
import { COMMON, confirmReset, loadInv, notADirectory, parse, stateDir, type Common } from "./options.js";
import { reporterFor } from "./run.js";
import { withClusterSession } from "./state.js";

export const ETCD_HELP = `\
Usage: kplay etcd backup (-c CONFIG | --sandbox | -i INVENTORY) [--out DIR]
       kplay etcd restore SNAPSHOT (-c CONFIG | --sandbox | -i INVENTORY) [--yes]

A snapshot of the cluster's etcd, taken through the first member that answers a quorum read over
TLS (those kplay recorded as running etcd first), checked by etcdctl on the node, copied to the
controller and checked there by sha256: DIR/etcd-TIME.db (mode 0600) and DIR/etcd-TIME.db.json
(member, revision, keys, size, sha256). The node keeps no copy. DIR defaults to
STATE/backups/etcd. Nothing in the cluster changes.

restore puts the cluster's etcd back to SNAPSHOT (a file etcd backup wrote; its .json record,
when beside it, must match by sha256). Phases, each on every host it names before the next:
the snapshot copied to every member and checked; kube-apiserver stopped on the control planes
(its static pod manifest set aside); etcd stopped everywhere and each member's data made again
from the snapshot with its own name and peer URL and a new cluster token (the data before is
kept aside, its directory printed); etcd started on all members together until the cluster
has every member and each answers; kube-apiserver back; the copies removed. A snapshot that
does not check, or a member that cannot be reached, stops it before any etcd is stopped.
Everything written to etcd after the snapshot is gone afterwards.

Options:
      --out DIR   where the snapshot goes (backup)
  -y, --yes       restore without asking
  -h, --help      this help`;

export async function etcdCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { ...COMMON, out: { type: "string" }, yes: { type: "boolean", short: "y" } },
    "etcd",
  );
  if (values.help || positionals.length === 0) {
    console.log(ETCD_HELP);
    return values.help ? 0 : 2;
  }
  if (positionals[0] === "restore" && positionals.length === 2)
    return restoreCommand(values as Common, { file: resolve(positionals[1]), yes: !!values.yes });
  if (positionals[0] === "restore")
    throw new KplayError("usage", `etcd restore takes one snapshot file (got ${positionals.length - 1})`, {
      hint: "kplay etcd restore SNAPSHOT -c config.yaml",
    });
  if (positionals[0] !== "backup" || positionals.length > 1)
    throw new KplayError("usage", `unknown etcd command "${positionals.join(" ")}"`, {
      hint: "kplay etcd backup | kplay etcd restore SNAPSHOT",
    });
  const o = values as Common;
  const inv = loadInv(o);
  initialCluster(inv); // no etcd group, or a member without an address: refused before anything is opened
  const outDir = resolve(values.out ?? join(stateDir(o), "backups", "etcd"));
  checkOutDir(outDir, values.out);
  const { reporter, sd } = reporterFor(o, inv, {}, { kind: "steps" });
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

async function restoreCommand(o: Common, a: { file: string; yes: boolean }): Promise<number> {
  const inv = loadInv(o);
  const members = etcdMembers(inv);
  initialCluster(inv); // no etcd group, or a member without an address: refused before anything is opened
  const { sha256 } = checkedSnapshot(a.file);
  const what = `etcd restore replaces the data of ${members.length} etcd member(s) (${members.join(", ")})`;
  const question =
    `This puts etcd on ${members.join(", ")} back to ${a.file} (sha256 ${sha256}); ` +
    "everything written since is lost, and kube-apiserver is stopped meanwhile.";
  if (!a.yes && !(await confirmReset(what, question))) return 1;
  const { reporter, sd } = reporterFor(o, inv, {}, { kind: "steps" });
  return withClusterSession({ o, inv, sd, reporter }, "kplay etcd restore", async (session) => {
    const r = await etcdRestore(session, { file: a.file });
    for (const [host, dir] of Object.entries(r.kept))
      if (dir !== "none") console.log(`${host}: etcd data before the restore kept in ${dir}`);
    if (r.ok) {
      console.log(`etcd restored from ${a.file} on ${members.join(", ")}: every member healthy`);
      return 0;
    }
    // the first phase only copies and checks the snapshot
    const changed = (r.failed?.index ?? 0) >= 1;
    console.error(
      `kplay: etcd restore stopped in phase "${r.failed?.play}"` +
        (changed
          ? "; the cluster may be down: mend the host named above and run the same restore again"
          : "; nothing changed"),
    );
    return 1;
  });
}

/** --out names the directory snapshots go into: one that is there must be a directory. */
function checkOutDir(dir: string, given: string | undefined): void {
  const problem = notADirectory(dir); // a missing one is made when the snapshot is taken
  if (problem === "a file")
    throw new KplayError("usage", `--out ${given ?? dir}: is a file; --out names the directory the snapshot goes into`);
  if (problem) throw new KplayError("usage", `--out ${given ?? dir}: ${problem}`);
}
