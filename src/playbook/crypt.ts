// Owns SHA-512 crypt ("$6$", Ulrich Drepper's specification, what glibc's crypt(3) and Ansible's
// password_hash('sha512') make), for user passwords hashed on the controller, and random
// passwords for lookup('password'). Node's crypto has no crypt(3).
import { createHash, randomInt } from "node:crypto";

const ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ORDER = [
  [0, 21, 42],
  [22, 43, 1],
  [44, 2, 23],
  [3, 24, 45],
  [25, 46, 4],
  [47, 5, 26],
  [6, 27, 48],
  [28, 49, 7],
  [50, 8, 29],
  [9, 30, 51],
  [31, 52, 10],
  [53, 11, 32],
  [12, 33, 54],
  [34, 55, 13],
  [56, 14, 35],
  [15, 36, 57],
  [37, 58, 16],
  [59, 17, 38],
  [18, 39, 60],
  [40, 61, 19],
  [62, 20, 41],
];

const sha512 = (...parts: Buffer[]) => {
  const h = createHash("sha512");
  for (const p of parts) h.update(p);
  return h.digest();
};

/** `n` bytes of `block` repeated. */
function repeatTo(block: Buffer, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = block[i % block.length];
  return out;
}

function encode(c: Buffer): string {
  let out = "";
  const b64 = (w: number, n: number) => {
    for (let i = 0; i < n; i++, w >>>= 6) out += ITOA64[w & 0x3f];
  };
  for (const [a, b, d] of ORDER) b64((c[a] << 16) | (c[b] << 8) | c[d], 4);
  b64(c[63], 2);
  return out;
}

/** crypt(3) with a "$6$" salt: the same string glibc gives. */
export function sha512Crypt(password: string, salt: string, rounds = 5000): string {
  const p = Buffer.from(password);
  const s = Buffer.from(salt.slice(0, 16));
  const b = sha512(p, s, p);
  const a = createHash("sha512").update(p).update(s).update(repeatTo(b, p.length));
  for (let n = p.length; n > 0; n >>= 1) a.update(n & 1 ? b : p);
  let c = a.digest();
  const pSeq = repeatTo(sha512(...Array<Buffer>(p.length).fill(p)), p.length);
  const sSeq = repeatTo(sha512(...Array<Buffer>(16 + c[0]).fill(s)), s.length);
  for (let i = 0; i < rounds; i++) {
    const h = createHash("sha512");
    h.update(i & 1 ? pSeq : c);
    if (i % 3) h.update(sSeq);
    if (i % 7) h.update(pSeq);
    h.update(i & 1 ? c : pSeq);
    c = h.digest();
  }
  return `$6$${rounds === 5000 ? "" : `rounds=${rounds}$`}${s.toString()}$${encode(c)}`;
}

/** `length` characters drawn uniformly from `chars` (crypto randomness). */
export function randomText(length: number, chars: string): string {
  let out = "";
  for (let i = 0; i < length; i++) out += chars[randomInt(chars.length)];
  return out;
}
