// Owns durable file writes for the state directory: whole files are written to a temp file,
// fsync'd and renamed over the old one (then the directory is fsync'd); journal lines are
// appended and fsync'd. A kill -9 at any instant leaves either the old or the new content.
import { KplayError } from "../errors.js";
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from "node:fs";
import { dirname, join, basename } from "node:path";

export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, "w", mode);
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
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
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
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

/** The state directory: private to its owner (0700), made if missing and tightened if it exists. */
export function ensureStateDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "EEXIST" || code === "ENOTDIR"
        ? "is not a directory (or lies under a file)"
        : `cannot be made (${code})`;
    throw new KplayError("input", `the state directory ${dir} ${why}`, { where: { field: "--state-dir" }, cause: e });
  }
}
