// Owns the controller backup of a state directory (`kplay backup` / `kplay restore-state`): what
// is irreplaceable (the CAs and keys in pki/, registry certificate and credentials, known_hosts,
// journals and run-sets, the fact cache, the sandbox's files, and the config.yaml the state
// belongs to), packed as a gzip'd ustar archive whose first member, MANIFEST.json, names every
// other member with its mode, size and sha256. `tar tzf` lists it; restore checks every member
// against the manifest before it writes anything, refuses paths outside the state directory,
// and never silently replaces a file that differs.
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { KplayError } from "../errors.js";
import { sha256Hex } from "../hash.js";
import { ensureStateDir, writeFileAtomic } from "./atomic.js";
import { makeDirs } from "../make-dirs.js";

const FORMAT = "kplay-state-backup/1";
const MANIFEST = "MANIFEST.json";
/** Not irreplaceable, or not state: the lock, temp files, the run log, etcd snapshots (they have their own). */
const SKIP = /^(lock|lock\.takeover|\.lock\..*|.*\.tmp|run\.log|backups)$/;

export interface BackupEntry {
  /** `state/REL` for a file of the state directory, `config/config.yaml` for the config outside it. */
  path: string;
  mode: number;
  size: number;
  sha256: string;
}

export interface BackupManifest {
  format: typeof FORMAT;
  created: string;
  kplay: string;
  entries: BackupEntry[];
}

interface Member {
  entry: BackupEntry;
  data: Buffer;
}

/** The state directory's files to keep, as archive members (sorted, regular files only). */
function stateMembers(dir: string, rel = ""): Member[] {
  const out: Member[] = [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    if (!rel && SKIP.test(name)) continue;
    if (name.endsWith(".tmp")) continue;
    const r = rel ? `${rel}/${name}` : name;
    const st = lstatSync(join(dir, r));
    if (st.isDirectory()) out.push(...stateMembers(dir, r));
    else if (st.isFile()) out.push(member(`state/${r}`, readFileSync(join(dir, r)), st.mode & 0o777));
  }
  return out;
}

function member(path: string, data: Buffer, mode: number): Member {
  return { entry: { path, mode, size: data.length, sha256: sha256Hex(data) }, data };
}

/** Pack the state directory (and the config file outside it, if any) into FILE, 0600, atomically. */
export function writeBackup(o: { stateDir: string; config?: string; out: string; kplay: string; now?: Date }) {
  if (!existsSync(o.stateDir)) throw new KplayError("usage", `state directory ${o.stateDir} does not exist`);
  const members = stateMembers(o.stateDir);
  if (o.config && !o.config.startsWith(o.stateDir + "/"))
    members.push(member("config/config.yaml", readFileSync(o.config), lstatSync(o.config).mode & 0o777));
  const manifest: BackupManifest = {
    format: FORMAT,
    created: (o.now ?? new Date()).toISOString(),
    kplay: o.kplay,
    entries: members.map((m) => m.entry),
  };
  const head = member(MANIFEST, Buffer.from(JSON.stringify(manifest, null, 2) + "\n"), 0o600);
  const tar = Buffer.concat([...[head, ...members].map(tarMember), Buffer.alloc(1024)]);
  const gz = gzipSync(tar);
  makeDirs(dirname(o.out));
  writeFileAtomic(o.out, gz, 0o600);
  return { manifest, bytes: gz.length, sha256: sha256Hex(gz) };
}

/** The most a backup may inflate to: a state directory is small (journal, pki, facts); more is not one. */
export const MAX_ARCHIVE_BYTES = 256 * 1024 * 1024;

/** Read and check a backup: every member listed in the manifest, with its size and sha256. */
export function readBackup(file: string): { manifest: BackupManifest; files: Map<string, Buffer> } {
  const bad = (why: string) => new KplayError("usage", `${file}: not a usable kplay state backup: ${why}`);
  let tar: Buffer;
  try {
    // bounded: a small archive that inflates without end (a gzip bomb) stops at the limit
    tar = gunzipSync(readFileSync(file), { maxOutputLength: MAX_ARCHIVE_BYTES });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ERR_BUFFER_TOO_LARGE")
      throw bad(`it inflates to more than ${MAX_ARCHIVE_BYTES / 1024 / 1024} MiB (a state directory is far smaller)`);
    if (code === "ENOENT" || code === "EISDIR" || code === "EACCES") throw e;
    throw bad("it is not a gzip'd archive");
  }
  const members = readTar(tar, bad);
  const head = members.shift();
  if (head?.name !== MANIFEST) throw bad(`its first member is not ${MANIFEST}`);
  const manifest = parseManifest(head.data, bad);
  const files = new Map(members.map((m) => [m.name, m.data]));
  if (files.size !== manifest.entries.length) throw bad("its members are not the ones its manifest lists");
  for (const e of manifest.entries) {
    const data = files.get(e.path);
    if (!data) throw bad(`${e.path} is listed but missing`);
    if (data.length !== e.size || sha256Hex(data) !== e.sha256) throw bad(`${e.path} does not match its sha256`);
  }
  return { manifest, files };
}

function parseManifest(data: Buffer, bad: (why: string) => Error): BackupManifest {
  let m: BackupManifest;
  try {
    m = JSON.parse(data.toString("utf8")) as BackupManifest;
  } catch (e) {
    throw bad((e as Error).message);
  }
  if (m.format !== FORMAT || !Array.isArray(m.entries)) throw bad(`format is not ${FORMAT}`);
  for (const e of m.entries) {
    const p = posix.normalize(String(e.path));
    const safe = p === e.path && !p.includes("..") && (p.startsWith("state/") || p === "config/config.yaml");
    if (!safe || !Number.isInteger(e.mode) || e.mode < 0 || e.mode > 0o777) throw bad(`unsafe entry ${e.path}`);
  }
  return m;
}

// ---- ustar: regular files only, names up to 255 bytes (prefix + name)

function tarMember(m: Member): Buffer {
  const h = Buffer.alloc(512);
  const [prefix, name] = splitName(m.entry.path);
  h.write(name, 0, 100, "utf8");
  octal(h, { at: 100, len: 8 }, m.entry.mode);
  octal(h, { at: 108, len: 8 }, 0);
  octal(h, { at: 116, len: 8 }, 0);
  octal(h, { at: 124, len: 12 }, m.data.length);
  octal(h, { at: 136, len: 12 }, 0);
  h.write("        ", 148, 8, "ascii");
  h.write("0", 156, 1, "ascii");
  h.write("ustar\u000000", 257, 8, "ascii");
  h.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\u0000 ", 148, 8, "ascii");
  const pad = Buffer.alloc((512 - (m.data.length % 512)) % 512);
  return Buffer.concat([h, m.data, pad]);
}

function splitName(path: string): [string, string] {
  if (Buffer.byteLength(path) <= 100) return ["", path];
  const cut = path.lastIndexOf("/", 155);
  if (cut > 0 && Buffer.byteLength(path.slice(cut + 1)) <= 100) return [path.slice(0, cut), path.slice(cut + 1)];
  throw new KplayError("state", `cannot archive ${path}: its name is too long for a tar member`);
}

function octal(h: Buffer, f: { at: number; len: number }, n: number): void {
  h.write(n.toString(8).padStart(f.len - 1, "0") + "\u0000", f.at, f.len, "ascii");
}

function readTar(tar: Buffer, bad: (why: string) => Error): Array<{ name: string; data: Buffer }> {
  const out: Array<{ name: string; data: Buffer }> = [];
  for (let at = 0; at + 512 <= tar.length;) {
    const h = tar.subarray(at, at + 512);
    if (h.every((b) => b === 0)) return out;
    const str = (from: number, len: number) => h.toString("utf8", from, from + len).replace(/\0.*$/s, "");
    if (str(156, 1) !== "0") throw bad(`member at byte ${at} is not a regular file`);
    const field = str(124, 12).trim();
    // octal digits only: a negative or garbled size would walk the archive backwards for ever
    if (!/^[0-7]{1,11}$/.test(field)) throw bad(`member at byte ${at} has no valid size (${JSON.stringify(field)})`);
    const size = parseInt(field, 8);
    if (at + 512 + size > tar.length) throw bad(`member at byte ${at} is cut short`);
    const prefix = str(345, 155);
    out.push({
      name: prefix ? `${prefix}/${str(0, 100)}` : str(0, 100),
      data: tar.subarray(at + 512, at + 512 + size),
    });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw bad("it ends without the end-of-archive marker");
}

/** Where each archive member goes: state files into `stateDir`, the config to `config` (if given). */
export function restoreTargets(m: BackupManifest, o: { stateDir: string; config?: string }) {
  return m.entries.map((e) => ({
    entry: e,
    target: e.path === "config/config.yaml" ? o.config : join(o.stateDir, e.path.slice("state/".length)),
  }));
}

export interface RestoreOutcome {
  written: string[];
  unchanged: string[];
  /** The config in the backup, when no -c path was given to put it. */
  configNotRestored: boolean;
}

/**
 * Put a checked backup back: nothing is written unless every member checks and no existing file
 * differs from its member (unless `force`); each file is written atomically with its mode.
 */
export function restoreBackup(
  from: string | ReturnType<typeof readBackup>,
  o: { stateDir: string; config?: string; force: boolean },
): RestoreOutcome {
  const { manifest, files } = typeof from === "string" ? readBackup(from) : from;
  // each existing file is read once: it is the same, differs, or is not there
  const targets = restoreTargets(manifest, o).map((t) => ({
    ...t,
    now: t.target && existsSync(t.target) ? sha256Hex(readFileSync(t.target)) : undefined,
  }));
  const differs = targets.filter((t) => t.now !== undefined && t.now !== t.entry.sha256);
  if (differs.length && !o.force)
    throw new KplayError(
      "usage",
      `${differs.length} file(s) exist with other contents: ` +
        differs
          .slice(0, 5)
          .map((t) => t.target)
          .join(", ") +
        (differs.length > 5 ? ", …" : ""),
      { hint: "restore into an empty state directory, or replace them with --force" },
    );
  ensureStateDir(o.stateDir);
  const out: RestoreOutcome = { written: [], unchanged: [], configNotRestored: false };
  for (const t of targets) {
    if (!t.target) {
      out.configNotRestored = true;
      continue;
    }
    if (t.now === t.entry.sha256) {
      out.unchanged.push(t.target);
      continue;
    }
    if (t.target.startsWith(o.stateDir + "/")) ensureParents(o.stateDir, dirname(t.target));
    // an archive's modes are kept but never opened up: nobody else writes, private keys stay private
    const mode = /\.key$/.test(t.entry.path) ? 0o600 : t.entry.mode & 0o755;
    writeFileAtomic(t.target, files.get(t.entry.path)!, mode);
    chmodSync(t.target, mode);
    out.written.push(t.target);
  }
  return out;
}

/** Directories under the state directory are private, as kplay makes them. */
function ensureParents(stateDir: string, dir: string): void {
  if (dir === stateDir || existsSync(dir)) return;
  ensureParents(stateDir, dirname(dir));
  mkdirSync(dir, { mode: 0o700 });
}
