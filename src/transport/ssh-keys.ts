// Owns reading and parsing private key files for SSH connections, once per process: with
// thousands of hosts sharing one key, reading and parsing it (and, for a passphrase-protected
// key, deriving the passphrase's key) for every connection was a measurable part of the
// controller's CPU per host. The parsed key also signs with a key object made once: ssh2 signs
// with the key's PEM text, which OpenSSL 3 decodes again on every signature (about 0.9 ms of the
// controller's CPU per connection for an ed25519 key, against 0.07 ms with a key object).
import { createPrivateKey, sign as cryptoSign, type KeyObject } from "node:crypto";
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
  const usable = key instanceof Error || Array.isArray(key) ? bytes : signingOnce(key);
  parsed.set(id, usable);
  return usable;
}

/** The hash ssh2 signs with when the caller names none (sha1 for ssh-rsa, none for ed25519, …). */
function defaultHash(key: ParsedKey): string | null | undefined {
  const sym = Object.getOwnPropertySymbols(key).find((s) => s.description === "Hash Algorithm");
  return sym === undefined ? undefined : (key as unknown as Record<symbol, string | null>)[sym];
}

/**
 * `key` with its sign() using a key object decoded once. Same signature bytes, same contract as
 * ssh2's (an Error is returned, not thrown). A key whose PEM OpenSSL cannot load, or an ssh2 that
 * no longer keeps its hash where this looks, keeps ssh2's own sign().
 */
export function signingOnce(key: ParsedKey): ParsedKey {
  const hash = defaultHash(key);
  const pem = key.getPrivatePEM();
  if (hash === undefined || !pem) return key;
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(pem);
  } catch {
    return key;
  }
  key.sign = (data: Buffer | string, algo?: string): Buffer => {
    try {
      return cryptoSign(algo || hash, typeof data === "string" ? Buffer.from(data) : data, keyObject);
    } catch (e) {
      return e as Buffer; // ssh2 checks `instanceof Error`
    }
  };
  return key;
}

/**
 * A new ed25519 key pair in OpenSSH format. ssh2's generator writes a private key that neither
 * ssh2 nor ssh-keygen can load about once in a hundred pairs ("Malformed OpenSSH private key"):
 * each pair is parsed back before it is returned, and a malformed one is made again.
 */
export function newEd25519KeyPair(comment?: string): { private: string; public: string } {
  for (let attempt = 0; attempt < 20; attempt++) {
    const kp = ssh2.utils.generateKeyPairSync("ed25519", comment ? { comment } : {});
    if (!(ssh2.utils.parseKey(kp.private) instanceof Error)) return kp;
  }
  throw new Error("could not make a usable ed25519 key pair in 20 attempts");
}
