// Owns `kplay etcd backup`: a snapshot of the cluster's etcd taken through the first member that
// answers a quorum read over TLS (members kplay recorded as running etcd first), checked by
// etcdctl on the node, copied to the controller and checked again there by sha256, kept 0600
// with a record of what it holds (member, revision, keys, size, sha256, etcd's own hash).
import { chmodSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { KplayError } from "../errors.js";
import { sha256File } from "../hash.js";
import { writeFileAtomic } from "../state/atomic.js";
import { etcdMembers } from "./nodes.js";
import { warn, type ClusterSession } from "./session.js";
import { runShipped } from "./shipped.js";
import { makeDirs } from "../make-dirs.js";

const ETCD_STEP = "02-cluster-etcd";
const SNAPSHOT_TASK = "Snapshot through this member (TLS), checked";

export interface EtcdSnapshot {
  file: string;
  member: string;
  time: string;
  sha256: string;
  revision: number;
  keys: number;
  bytes: number;
  etcdHash: string;
}

/** The snapshot taken, or undefined when no member could give one (each member's reason was warned). */
export async function etcdBackup(
  s: ClusterSession,
  o: { outDir: string; now?: Date },
): Promise<EtcdSnapshot | undefined> {
  const now = o.now ?? new Date();
  const name = `etcd-${now.toISOString().replace(/[:.]/g, "-")}.db`;
  makeDirs(o.outDir, 0o700);
  const file = join(o.outDir, name);
  const members = etcdMembers(s.inv);
  const running = (h: string) => !!s.journal.stepDone(ETCD_STEP, h);
  for (const member of [...members.filter(running), ...members.filter((h) => !running(h))]) {
    const line = await snapshotThrough(s, { member, name, file });
    if (!line) continue;
    return record({ file, member, time: now.toISOString() }, line);
  }
  warn(s, `no etcd member (${members.join(", ") || "none in the inventory"}) gave a snapshot`);
  return undefined;
}

/** Run the snapshot playbook on one member; its KPLAY-SNAPSHOT line when the file reached the controller. */
async function snapshotThrough(s: ClusterSession, t: { member: string; name: string; file: string }) {
  let line: string | undefined;
  const out = await runShipped(s, {
    file: "etcd-backup.yml",
    vars: { kplay_snapshot_name: t.name, kplay_backup_file: t.file },
    only: t.member,
    onResult: (e) => {
      if (e.task === SNAPSHOT_TASK && e.status === "ok")
        line = /^KPLAY-SNAPSHOT .*$/m.exec(String(e.result.stdout ?? ""))?.[0];
    },
  });
  if (out.ok && line && existsSync(t.file)) return line;
  rmSync(t.file, { force: true });
  const why = out.hosts[t.member]?.unreachable ? " (unreachable)" : "";
  warn(s, `etcd member ${t.member} gave no snapshot${why}; trying the next one`);
  return undefined;
}

/** Check the copy against the node's sha256, make it private and write its record beside it. */
function record(at: { file: string; member: string; time: string }, line: string): EtcdSnapshot {
  const [, sha256, revision, keys, bytes, etcdHash] = line.split(/\s+/);
  chmodSync(at.file, 0o600);
  const got = sha256File(at.file);
  if (got !== sha256) {
    rmSync(at.file, { force: true });
    throw new KplayError(
      "host",
      `the snapshot copied from ${at.member} has sha256 ${got}, the node's has ${sha256}; removed`,
    );
  }
  const snap: EtcdSnapshot = {
    ...at,
    sha256,
    revision: Number(revision),
    keys: Number(keys),
    bytes: Number(bytes),
    etcdHash,
  };
  writeFileAtomic(`${at.file}.json`, `${JSON.stringify(snap, null, 2)}\n`, 0o600);
  return snap;
}
