// Owns host-key checking against kplay's own known_hosts file (OpenSSH format, so `ssh -o
// UserKnownHostsFile=...` reads it too). Unknown keys are accepted only when asked; a changed
// key is always refused. Appends are fsync'd; concurrent first contacts are serialised in-process.
import { createHash, createHmac } from "node:crypto";
import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { makeDirs } from "../make-dirs.js";

export type KeyCheck = { status: "match" } | { status: "unknown" } | { status: "changed"; expected: string };

export class KnownHosts {
  private entries: Array<{ hosts: string[]; hashed?: { salt: Buffer; hash: Buffer }; type: string; key: string }> = [];

  constructor(
    readonly file: string,
    readonly acceptNew: boolean,
  ) {
    if (existsSync(file)) this.parse(readFileSync(file, "utf8"));
  }

  private parse(text: string): void {
    for (const line of text.split(/\r?\n/)) {
      const t = line.trim();
      if (!t || t.startsWith("#") || t.startsWith("@")) continue;
      const [hostsField, type, key] = t.split(/\s+/);
      if (!hostsField || !type || !key) continue;
      if (hostsField.startsWith("|1|")) {
        const [, , salt, hash] = hostsField.split("|");
        this.entries.push({
          hosts: [],
          hashed: { salt: Buffer.from(salt, "base64"), hash: Buffer.from(hash, "base64") },
          type,
          key,
        });
      } else {
        this.entries.push({ hosts: hostsField.split(","), type, key });
      }
    }
  }

  static hostId(host: string, port: number): string {
    return port === 22 ? host : `[${host}]:${port}`;
  }

  private matchesHost(e: (typeof this.entries)[number], id: string): boolean {
    if (e.hashed) return createHmac("sha1", e.hashed.salt).update(id).digest().equals(e.hashed.hash);
    return e.hosts.includes(id);
  }

  check(host: string, port: number, keyBlob: Buffer): KeyCheck {
    const id = KnownHosts.hostId(host, port);
    const type = keyType(keyBlob);
    const b64 = keyBlob.toString("base64");
    const forHost = this.entries.filter((e) => this.matchesHost(e, id));
    if (forHost.some((e) => e.type === type && e.key === b64)) return { status: "match" };
    // A known host presenting a key of another type is refused like a changed key, as OpenSSH
    // does: accepting it would let whoever answers with a new key type take the host over.
    const known = forHost.find((e) => e.type === type) ?? forHost[0];
    if (known) return { status: "changed", expected: `${known.type} ${fingerprint(Buffer.from(known.key, "base64"))}` };
    return { status: "unknown" };
  }

  /** Key types already known for the host (negotiated first, so a host with several keys presents a known one). */
  knownTypes(host: string, port: number): string[] {
    const id = KnownHosts.hostId(host, port);
    return [...new Set(this.entries.filter((e) => this.matchesHost(e, id)).map((e) => e.type))];
  }

  add(host: string, port: number, keyBlob: Buffer): void {
    const id = KnownHosts.hostId(host, port);
    const type = keyType(keyBlob);
    const b64 = keyBlob.toString("base64");
    makeDirs(dirname(this.file));
    const fd = openSync(this.file, "a", 0o600);
    try {
      appendFileSync(fd, `${id} ${type} ${b64}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.entries.push({ hosts: [id], type, key: b64 });
  }
}

/** The key type is the first SSH string inside the public key blob. */
export function keyType(blob: Buffer): string {
  if (blob.length < 4) return "unknown";
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString("latin1");
}

export function fingerprint(blob: Buffer): string {
  // SHA256:base64 without padding, as OpenSSH prints it.
  return "SHA256:" + createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}
