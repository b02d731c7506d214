// Owns `kplay etcd restore SNAPSHOT`: every etcd member's data made again from one snapshot
// (checked against the record `kplay etcd backup` wrote beside it), with the original member
// names and peer URLs and a new cluster token, kube-apiserver stopped meanwhile. The shipped
// playbook etcd-restore.yml holds the phases; this runs them one at a time and goes on only when
// a phase succeeded on every host it names, so a bad snapshot or an unreachable member stops the
// restore before any etcd is stopped.
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { KplayError } from "../errors.js";
import { sha256File } from "../hash.js";
import type { Inventory } from "../inventory/index.js";
import { etcdMemberAddresses } from "./nodes.js";
import { warn, type ClusterSession } from "./session.js";
import { runPlays } from "./shipped.js";

const PLAYBOOK = "etcd-restore.yml";

export interface EtcdRestoreOutcome {
  ok: boolean;
  sha256: string;
  /** The phase (play) that failed; nothing after it ran. */
  failed?: { play: string; index: number };
  /** Per member: where its data directory before the restore was kept ("none" when it had none). */
  kept: Record<string, string>;
}

/** The snapshot's sha256, checked against its record when there is one. */
export function checkedSnapshot(file: string): { sha256: string; recorded: boolean } {
  if (!existsSync(file)) throw new KplayError("usage", `snapshot ${file} does not exist`);
  checkBoltFile(file);
  const sha256 = sha256File(file);
  const recordFile = `${file}.json`;
  if (!existsSync(recordFile)) return { sha256, recorded: false };
  let recorded: unknown;
  try {
    recorded = (JSON.parse(readFileSync(recordFile, "utf8")) as { sha256?: unknown }).sha256;
  } catch (e) {
    throw new KplayError("usage", `${recordFile}: not a snapshot record (${(e as Error).message})`);
  }
  if (recorded !== sha256)
    throw new KplayError("usage", `${file} has sha256 ${sha256}, its record ${recordFile} says ${String(recorded)}`, {
      hint: "the snapshot changed since it was taken; use another one",
    });
  return { sha256, recorded: true };
}

/** bbolt's magic number, in the meta page that starts an etcd snapshot (after the 16-byte page header). */
const BOLT_MAGIC = 0xed0cdaed;

/**
 * An etcd snapshot is a bbolt database: a file that does not start with its meta page is refused
 * before anything is copied to a member (etcdutl would refuse it there, after the copy).
 */
function checkBoltFile(file: string): void {
  const st = statSync(file);
  if (st.isDirectory()) throw new KplayError("usage", `${file}: is a directory, not a snapshot file`);
  if (!st.isFile()) throw new KplayError("usage", `${file}: not a regular file`);
  const head = Buffer.alloc(24);
  const fd = openSync(file, "r");
  let n: number;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (n < head.length || head.readUInt32LE(16) !== BOLT_MAGIC || head.readUInt32LE(20) !== 2)
    throw new KplayError("usage", `${file}: not an etcd snapshot (no bbolt database header)`, {
      hint: "give a file kplay etcd backup or etcdctl snapshot save wrote",
    });
}

/** etcd's --initial-cluster for the members as the inventory names them (name=https://ip:2380,…). */
export function initialCluster(inv: Inventory): string {
  const members = etcdMemberAddresses(inv);
  if (members.length === 0) throw new KplayError("usage", "the inventory has no etcd group: nothing to restore");
  return members.map((m) => `${m.name}=https://${m.ip}:2380`).join(",");
}

export async function etcdRestore(s: ClusterSession, o: { file: string; now?: Date }): Promise<EtcdRestoreOutcome> {
  const { sha256, recorded } = checkedSnapshot(o.file);
  if (!recorded) warn(s, `${o.file} has no record beside it (.json): restoring it as it is, sha256 ${sha256}`);
  const vars = {
    kplay_restore_file: o.file,
    kplay_restore_sha256: sha256,
    kplay_restore_initial_cluster: initialCluster(s.inv),
    kplay_restore_token: `kplay-etcd-restore-${(o.now ?? new Date()).getTime()}`,
  };
  const kept: Record<string, string> = {};
  const onResult = (e: { host: string; task: string; result: Record<string, unknown> }) => {
    const m = /^kept (.*)$/m.exec(String(e.result.stdout ?? ""));
    if (e.task.startsWith("etcd stopped, this member's data") && m) kept[e.host] = m[1];
  };
  const failed = await runPlays(s, { file: PLAYBOOK, vars, forks: s.forks, onResult });
  return { ok: !failed, sha256, failed, kept };
}
