// Owns reading and parsing private key files for SSH connections, once per process: with
// thousands of hosts sharing one key, reading and parsing it (and, for a passphrase-protected
// key, deriving the passphrase's key) for every connection was a measurable part of the
// controller's CPU per host.
import { readFileSync } from "node:fs";
import ssh2, { type ParsedKey } from "ssh2";

const parsed = new Map<string, ParsedKey | Buffer>();

/**
 * The key in `file`, parsed, or its raw bytes when ssh2 cannot parse it (a wrong passphrase, an
 * unknown format): ssh2 then fails the login the way it always did. Throws the read error.
 */
export function privateKey(file: string, passphrase: string | undefined): ParsedKey | Buffer {
  // the passphrase is part of the cache key only inside this process's memory, never printed
  const id = `${file}\0${passphrase ?? ""}`;
  const hit = parsed.get(id);
  if (hit) return hit;
  const bytes = readFileSync(file);
  const key = ssh2.utils.parseKey(bytes, passphrase);
  const usable = key instanceof Error || Array.isArray(key) ? bytes : key;
  parsed.set(id, usable);
  return usable;
}
