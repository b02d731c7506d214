// Owns the flags, help and printing of `kplay backup` and `kplay restore-state` (the archive is
// state/backup.ts): the controller's irreplaceable state to one 0600 file, and back on a new
// controller. Neither touches a node.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { KplayError } from "../errors.js";
import { readBackup, restoreBackup, writeBackup } from "../state/backup.js";
import { StateLock } from "../state/lock.js";
import { kplayVersion } from "../version.js";
import { COMMON, parse, stateDir, type Common } from "./options.js";
import { checkOutputFile } from "./output-file.js";

export const BACKUP_HELP = `\
Usage: kplay backup --out FILE (-c CONFIG | --sandbox | -i INVENTORY | --state-dir DIR)

The controller's irreplaceable state in one archive, FILE (mode 0600, a gzip'd tar that
"tar tzf" lists): everything in the state directory — the CAs and keys in pki/ (cluster CA,
etcd CA, registry certificate and credentials, the admin kubeconfig), known_hosts, the
journals and run-sets, the fact cache — and the config.yaml given with -c. Left out: the run
log, etcd snapshots (STATE/backups: copy those as they are) and the lock. Its first member,
MANIFEST.json, lists every other with its mode, size and sha256. Takes the state lock, so it
never packs a half-written record; touches no node.

Options:
      --out FILE   where the archive goes (never an input; an existing file only with --force)
      --force      replace an existing FILE`;

export const RESTORE_STATE_HELP = `\
Usage: kplay restore-state FILE (-c CONFIG | --sandbox | -i INVENTORY | --state-dir DIR) [--force]

Puts a "kplay backup" archive back: its state files into the state directory (the one -c,
--sandbox, -i or --state-dir names, made 0700 if missing) and its config.yaml to the -c path.
Every member is checked against the archive's manifest (sha256, size, a path inside the state
directory) before anything is written. A file that exists with other contents is not replaced
unless --force; one with the same contents is left as it is. Touches no node: the next
deploy-cluster finds every recorded step done.

Options:
      --force   replace files that exist with other contents`;

export async function backupCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { ...COMMON, out: { type: "string" }, force: { type: "boolean" } },
    "backup",
  );
  if (values.help) {
    console.log(BACKUP_HELP);
    return 0;
  }
  if (positionals.length) throw new KplayError("usage", `backup takes no arguments (got ${positionals.join(" ")})`);
  if (values.out === undefined)
    throw new KplayError("usage", "backup needs --out FILE", { hint: "kplay backup --out state.tgz" });
  const o = values as Common;
  const dir = stateDir(o);
  const inputs = [...(o.inventory ?? []), o.config];
  const out = checkOutputFile(values.out, { flag: "--out", inputs, force: !!values.force });
  if (!existsSync(dir)) throw new KplayError("usage", `state directory ${dir} does not exist: nothing to back up`);
  if (out === resolve(dir) || out.startsWith(resolve(dir) + "/"))
    throw new KplayError("usage", `--out ${values.out}: inside the state directory it backs up`);
  const lock = StateLock.acquire(dir, "kplay backup", (m) => console.error(`kplay: warning: ${m}`));
  try {
    const r = writeBackup({ stateDir: dir, config: o.config && resolve(o.config), out, kplay: kplayVersion() });
    console.log(
      `${out} (0600): ${r.manifest.entries.length} file(s) from ${dir}, ${r.bytes} bytes, sha256 ${r.sha256}`,
    );
    return 0;
  } finally {
    lock.release();
  }
}

export async function restoreStateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...COMMON, force: { type: "boolean" } }, "restore-state");
  if (values.help) {
    console.log(RESTORE_STATE_HELP);
    return 0;
  }
  if (positionals.length !== 1)
    throw new KplayError("usage", "restore-state takes one archive", { hint: "kplay restore-state state.tgz -c …" });
  const o = values as Common;
  const config = o.config && resolve(o.config);
  // a config that is not there yet (a new controller) still names the state directory beside it
  const dir = config && !existsSync(config) && !o["state-dir"] ? join(dirname(config), ".kplay") : stateDir(o);
  const file = resolve(positionals[0]);
  if (!existsSync(file)) throw new KplayError("usage", `${file} does not exist`);
  // the whole archive is read and checked before the state directory is made or locked
  const backup = readBackup(file);
  const lock = StateLock.acquire(dir, "kplay restore-state", (m) => console.error(`kplay: warning: ${m}`));
  try {
    const r = restoreBackup(backup, { stateDir: dir, config, force: !!values.force });
    console.log(`restored into ${dir}: ${r.written.length} file(s) written, ${r.unchanged.length} already the same`);
    if (r.configNotRestored) console.error("kplay: the archive's config.yaml was not restored: give -c PATH for it");
    return 0;
  } finally {
    lock.release();
  }
}
