// Owns community.crypto.openssh_keypair with its default backend (the node's ssh-keygen): a
// private key at `path` and its public key at `path.pub`, generated when missing, regenerated
// as `regenerate` (or `force`) says when the key's type or size differs, the public key restored
// from the private one when it is missing or does not match, the comment updated, then mode,
// owner and group on both files. One round trip. A new key is made in a private directory beside
// its destination and renamed into place; a regenerated one takes the old file's mode and owner,
// as Ansible's atomic_move gives it. A passphrase is refused: ssh-keygen takes a new one only in
// its arguments, where anyone on the node can read it (Ansible uses Python's cryptography there).
import { z } from "zod";
import { joinSh, raw, sh, type Sh } from "../transport/sh.js";
import { attrScript, type Attrs } from "./attrs.js";
import { defineModule, normalizeMode, type ModuleContext } from "./types.js";

const schema = z
  .object({
    path: z.string().min(1),
    state: z.enum(["present", "absent"]).default("present"),
    type: z.enum(["rsa", "dsa", "rsa1", "ecdsa", "ed25519"]).default("rsa"),
    size: z.coerce.number().int().optional(),
    comment: z.string().optional(),
    force: z.boolean().default(false),
    regenerate: z
      .enum(["never", "fail", "partial_idempotence", "full_idempotence", "always"])
      .default("partial_idempotence"),
    passphrase: z.string().optional(),
    private_key_format: z.enum(["auto", "pkcs1", "pkcs8", "ssh"]).default("auto"),
    backend: z.enum(["auto", "cryptography", "opensshbin"]).default("auto"),
    mode: z.union([z.string(), z.number()]).optional(),
    owner: z.string().optional(),
    group: z.string().optional(),
  })
  .strict();
type Args = z.infer<typeof schema>;

/** The key size Ansible's module takes for the type, or its words refusing the one given. */
function keySize(a: Args): number | string {
  if (a.type === "rsa" || a.type === "rsa1") {
    const s = a.size ?? 4096;
    return s < 1024
      ? "For RSA keys, the minimum size is 1024 bits and the default is 4096 bits. " +
          "Attempting to use bit lengths under 1024 will cause the module to fail."
      : s;
  }
  if (a.type === "dsa")
    return (a.size ?? 1024) === 1024 ? 1024 : "DSA keys must be exactly 1024 bits as specified by FIPS 186-2.";
  if (a.type === "ecdsa") {
    const s = a.size ?? 256;
    return [256, 384, 521].includes(s)
      ? s
      : "For ECDSA keys, size determines the key length by selecting from one of three elliptic curve sizes: " +
          "256, 384 or 521 bits. Attempting to use bit lengths other than these three values for ECDSA keys " +
          "will cause this module to fail.";
  }
  return 256;
}

/** Why the arguments cannot run here (kplay's opensshbin backend only), or undefined. */
function refused(a: Args): string | undefined {
  if (a.passphrase !== undefined)
    return (
      "openssh_keypair with a passphrase is not supported by kplay: ssh-keygen takes a new passphrase only " +
      "in its arguments, where other users of the node could read it"
    );
  if (a.backend === "cryptography")
    return "openssh_keypair's cryptography backend needs Python on the node; kplay uses ssh-keygen";
  if (a.private_key_format !== "auto")
    return "'auto' is the only valid option for 'private_key_format' when 'backend' is not 'cryptography'";
  return undefined;
}

/** sh: "$info" is ssh-keygen -l of the private key (empty: none or unreadable), "$readable" 1 when -y reads it. */
const READ_KEY = joinSh([
  raw(`info=; readable=0; if [ -e "$p" ]; then info=$(ssh-keygen -l -f "$p" 2>/dev/null | head -n 1)`),
  // as the module's check: unreadable when ssh-keygen exits 255 or names one of these causes
  raw(`  if e_=$(ssh-keygen -P '' -y -f "$p" 2>&1 >/dev/null); then readable=1; else rc_=$?; readable=1`),
  raw(`    [ $rc_ = 255 ] && readable=0`),
  raw(
    `    case $e_ in *'is not a public key file'*|*'incorrect passphrase'*|*'load failed'*) readable=0;; esac; fi; fi`,
  ),
  raw(`have_type=$(printf '%s' "$info" | sed -n 's/.*(\\([A-Za-z0-9-]*\\))$/\\1/p' | tr 'A-Z' 'a-z')`),
  raw(`have_size=$(printf '%s' "$info" | awk '{print $1}')`),
]);

/** sh: decide from regenerate whether to generate ($gen 1), failing in the module's words. */
function decide(a: Args, size: number): Sh {
  const regenerate = a.force ? "always" : a.regenerate;
  const valid = sh`[ -n "$info" ] && [ "$have_size" = ${String(size)} ] && [ "$have_type" = ${a.type} ]`;
  const cannotRead =
    "Unable to read the key. The key is protected with a passphrase or broken. Will not proceed. To force " +
    "regeneration, call the module with `generate` set to `full_idempotence` or `always`, or with `force=true`.";
  const wrong =
    "Key has wrong type and/or size. Will not proceed. To force regeneration, call the module with `generate` " +
    "set to `partial_idempotence`, `full_idempotence` or `always`, or with `force=true`.";
  const lines: Sh[] = [raw(`gen=0`)];
  if (["never", "fail", "partial_idempotence"].includes(regenerate))
    lines.push(sh`if [ -e "$p" ] && { [ -z "$info" ] || [ $readable = 0 ]; }; then echo ${cannotRead} >&2; exit 1; fi`);
  lines.push(raw(`if [ -z "$info" ]; then gen=1`));
  if (regenerate === "fail") lines.push(sh`elif ! { ${valid}; }; then echo ${wrong} >&2; exit 1`);
  if (regenerate === "partial_idempotence" || regenerate === "full_idempotence")
    lines.push(sh`elif ! { ${valid}; }; then gen=1`);
  if (regenerate === "always") lines.push(raw(`else gen=1`));
  lines.push(raw(`fi`));
  return joinSh(lines);
}

/** sh: a new key pair made beside the path and renamed into place (the old files' mode and owner kept). */
function generate(a: Args, size: number): Sh {
  const keygen = sh`ssh-keygen -q -N '' -b ${String(size)} -t ${a.type} -f "$t/k" -C ${a.comment ?? ""}`;
  return joinSh([
    raw(`t=$(mktemp -d "$d/.kplay-keygen.XXXXXX") || exit 1; trap 'rm -rf -- "$t"' EXIT`),
    sh`${keygen} </dev/null >/dev/null || exit 1`,
    // into place: "$1" the new file, "$2" the path (an existing one gives it its mode and owner)
    raw(
      `into_() { if [ -e "$2" ]; then chmod "$(stat -c %a -- "$2")" "$1" && chown "$(stat -c %u:%g -- "$2")" "$1"; fi`,
    ),
    raw(`  mv -f -- "$1" "$2"; }`),
    raw(`{ into_ "$t/k" "$p" && into_ "$t/k.pub" "$p.pub"; } || exit 1`),
    raw(`rm -rf -- "$t"; trap - EXIT`),
  ]);
}

const NOT_A_DIR = "does not exist or the file is not a directory";
const NO_PUBLIC = "The public key is missing or does not match the private key. Unable to regenerate the public key.";

/** sh: the public key from the private one when missing or not matching (comment too, when asked). */
function restorePublic(a: Args, o: { check: boolean; keep: Sh }): Sh {
  const want = raw(`want=$(ssh-keygen -P '' -y -f "$p" 2>/dev/null | awk '{print $1" "$2}')`);
  const have = raw(`have=$( [ -f "$p.pub" ] && awk '{print $1" "$2}' "$p.pub")`);
  const commentOk =
    a.comment === undefined ? raw(`true`) : sh`[ "$(cut -d' ' -f3- "$p.pub" 2>/dev/null)" = ${a.comment} ]`;
  const write = joinSh([
    o.keep,
    raw(`m_=644; [ -e "$p.pub" ] && m_=$(stat -c %a -- "$p.pub")`),
    raw(`printf '%s\\n' "$want" > "$p.pub.kplay-tmp" && chmod "$m_" "$p.pub.kplay-tmp" &&`),
    sh`  mv -f -- "$p.pub.kplay-tmp" "$p.pub" || { echo ${NO_PUBLIC} >&2; exit 1; }`,
    a.comment === undefined ? undefined : sh`ssh-keygen -q -o -c -C ${a.comment} -f "$p" >/dev/null || exit 1`,
  ]);
  return joinSh([
    want,
    have,
    sh`if [ -z "$have" ] || [ "$have" != "$want" ] || ! { ${commentOk}; }; then changed=1`,
    o.check ? undefined : write,
    raw(`fi`),
  ]);
}

/** sh: the result's fields (read after the change; for state=absent, of the key before it went). */
const READ_RESULT = joinSh([
  raw(`fp=; [ -e "$p" ] && fp=$(ssh-keygen -l -f "$p" 2>/dev/null | awk 'NR==1{print $2}')`),
  raw(`pk=; cm=; if [ -f "$p.pub" ]; then pk=$(awk 'NR==1{print $1" "$2}' "$p.pub")`),
  raw(`  cm=$(head -n 1 "$p.pub" | cut -s -d' ' -f3-); fi`),
]);
const PRINT_RESULT = raw(`printf 'KPLAY-KEY: %s\\n' "$changed" "$fp" "$pk" "$cm"`);

function presentScript(ctx: ModuleContext, a: Args, size: number): Sh {
  const attrs: Attrs = { mode: normalizeMode(a.mode), owner: a.owner, group: a.group };
  const attrsOn = (file: Sh) => {
    const fix = attrScript(attrs, ctx.check);
    return fix.text ? joinSh([sh`p_=$p; p=${file}`, raw(`if [ -e "$p" ]; then`), fix, raw(`fi; p=$p_`)]) : undefined;
  };
  // what was at both paths before, kept for undo by keep_ (called only where this task changes them)
  const keepFn = joinSh([
    raw(`keep_() {`),
    ctx.undo.keepOriginal("p", a.path),
    raw(`f="$p.pub"`),
    ctx.undo.keepOriginal("f", `${a.path}.pub`),
    raw(`}`),
  ]);
  const keep = raw(`keep_`);
  return joinSh([
    ctx.check ? undefined : keepFn,
    READ_KEY,
    decide(a, size),
    raw(`if [ $gen = 1 ]; then changed=1`),
    ctx.check ? undefined : joinSh([keep, generate(a, size)]),
    raw(`elif [ -e "$p" ]; then`),
    restorePublic(a, { check: ctx.check, keep }),
    raw(`fi`),
    attrsOn(raw(`"$p_"`)),
    attrsOn(raw(`"$p_.pub"`)),
  ]);
}

function absentScript(ctx: ModuleContext, a: Args): Sh {
  const remove = ctx.check
    ? raw(`:`)
    : joinSh([
        ctx.undo.keepOriginal("p", a.path),
        raw(`f="$p.pub"`),
        ctx.undo.keepOriginal("f", `${a.path}.pub`),
        raw(`rm -f -- "$p" "$p.pub" || exit 1`),
      ]);
  return sh`if [ -e "$p" ] || [ -e "$p.pub" ]; then changed=1; ${remove}; fi`;
}

export const opensshKeypairModule = defineModule({
  name: "openssh_keypair",
  undo: "recorded",
  schema,
  run: async (ctx, a) => {
    const size = keySize(a);
    const no = typeof size === "string" ? size : refused(a);
    if (no !== undefined) return { changed: false, failed: true, msg: no };
    const s = size as number;
    const dir = a.path.includes("/") ? a.path.slice(0, a.path.lastIndexOf("/")) || "/" : ".";
    const r = await ctx.exec(
      joinSh([
        sh`p=${a.path}; d=${dir}; changed=0`,
        sh`if [ ! -d "$d" ]; then echo ${`The directory ${dir} ${NOT_A_DIR}`} >&2; exit 1; fi`,
        sh`if [ -d "$p" ]; then echo ${`${a.path} is a directory. Please specify a path to a file.`} >&2; exit 1; fi`,
        ...(a.state === "absent" ? [READ_RESULT, absentScript(ctx, a)] : [presentScript(ctx, a, s), READ_RESULT]),
        PRINT_RESULT,
      ]),
    );
    if (r.rc !== 0) return { changed: false, failed: true, rc: r.rc, msg: r.stderr.trim() || `rc ${r.rc}` };
    const [changed, fingerprint, publicKey, comment] = r.stdout
      .split("\n")
      .filter((l) => l.startsWith("KPLAY-KEY: "))
      .map((l) => l.slice("KPLAY-KEY: ".length));
    return {
      changed: changed === "1",
      size: s,
      type: a.type,
      filename: a.path,
      fingerprint: fingerprint ?? "",
      public_key: publicKey ?? "",
      comment: comment ?? "",
    };
  },
});
