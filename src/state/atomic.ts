// Owns durable file writes for the state directory: whole files are written to a temp file,
// fsync'd and renamed over the old one (then the directory is fsync'd); journal lines are
// appended and fsync'd. A kill -9 at any instant leaves either the old or the new content.
// A temp file has a random name and is created exclusively, never through a symlink, with its
// final mode before its first byte: another user of a shared directory can neither pre-create
// it, read it while it is written, nor point it elsewhere.
import { KplayError } from "../errors.js";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  statSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { dirname, join, basename } from "node:path";
import { makeDirs } from "../make-dirs.js";
import { whyUnreadable } from "../input-file.js";

const EXCLUSIVE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** A new temp file beside `path`: random name, created exclusively (no symlink followed), `mode` from the start. */
export function openTempBeside(path: string, mode: number): { fd: number; tmp: string } {
  for (let attempt = 0; ; attempt++) {
    const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(8).toString("hex")}.tmp`);
    try {
      const fd = openSync(tmp, EXCLUSIVE, mode & 0o7777);
      // the umask may have taken bits away; the file is still empty, so nobody read it meanwhile
      fchmodSync(fd, mode & 0o7777);
      return { fd, tmp };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 8) throw e;
    }
  }
}

/** Write all of `buf` to `fd` (writeSync may write less than asked). */
export function writeAll(fd: number, buf: Buffer): void {
  for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off);
}

export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o644): void {
  makeDirs(dirname(path));
  const { fd, tmp } = openTempBeside(path, mode);
  try {
    try {
      writeAll(fd, typeof data === "string" ? Buffer.from(data) : data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(dirname(path));
}

export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* some filesystems refuse fsync on directories; the rename is still atomic */
  }
}

/** An append-only file whose every write is fsync'd before it returns. */
export class DurableAppender {
  private fd: number;
  constructor(readonly path: string) {
    makeDirs(dirname(path), 0o700);
    this.fd = openSync(path, "a", 0o600);
  }
  append(line: string): void {
    writeSync(this.fd, Buffer.from(line.endsWith("\n") ? line : line + "\n"));
    fsyncSync(this.fd);
  }
  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
  }
}

/**
 * The state directory: private to its owner (0700), made if missing. One that exists is tightened
 * to 0700 only if it is this user's and writable by nobody else; a shared or foreign directory
 * (a sticky /tmp-like 1777, another user's) is refused: its files could be planted or swapped.
 */
export function ensureStateDir(dir: string): void {
  let made: string | undefined;
  try {
    made = makeDirs(dir, 0o700);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "EEXIST" || code === "ENOTDIR"
        ? "is not a directory (or lies under a file)"
        : `cannot be made: ${whyUnreadable(e)}`;
    throw new KplayError("input", `the state directory ${dir} ${why}`, { where: { field: "--state-dir" }, cause: e });
  }
  if (made === undefined) refuseShared(dir);
  chmodSync(dir, 0o700);
}

function refuseShared(dir: string): void {
  const st = statSync(dir);
  const uid = process.getuid?.();
  const mode = (st.mode & 0o7777).toString(8).padStart(4, "0");
  const why =
    uid !== undefined && st.uid !== uid
      ? `belongs to uid ${st.uid}, not to this user (uid ${uid})`
      : st.mode & 0o022
        ? `is writable by ${st.mode & 0o002 ? "every user" : "its group"} (mode ${mode})`
        : undefined;
  if (why)
    throw new KplayError("input", `the state directory ${dir} ${why}: kplay keeps secrets and records there`, {
      where: { field: "--state-dir" },
      hint: "name a directory of your own that only you can write (kplay makes it if missing)",
    });
}
