// Owns the one sha256 helper (hex digest) the whole code base uses for data it checks or names.
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";

export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A file's sha256, read in chunks (a release or bundle tarball is too big to hold at once). */
export function sha256File(path: string): string {
  const h = createHash("sha256");
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(1 << 20);
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return h.digest("hex");
}
