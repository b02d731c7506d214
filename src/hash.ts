// Owns the one sha256 helper (hex digest) the whole code base uses for data it checks or names.
import { createHash } from "node:crypto";

export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
