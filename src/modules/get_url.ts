// Owns the `get_url` module: download a URL on the host (curl or wget, as offline file servers
// are reached from the nodes) into dest, verifying `checksum: sha256:…`; atomic; a present file
// with the right checksum (or any present file without checksum and force: false) is left alone.
import { z } from "zod";
import { quote } from "../transport/quote.js";
import { attrScript } from "./attrs.js";
import { defineModule, normalizeMode, readMarker } from "./types.js";

const schema = z
  .object({
    url: z.string().regex(/^(https?|ftp|file):\/\//, "url needs a scheme such as http:// (e.g. http://10.0.0.5:8080/files/...)"),
    dest: z.string().min(1),
    // "sha256:<hex>", or "sha256:<URL>" of a checksum file (one hash, or "<hash>  <file name>" lines)
    checksum: z.string().regex(/^(sha1|sha256|sha512|md5):([0-9a-fA-F]+|(https?|file):\/\/\S+)$/, 'checksum must look like "sha256:<hex>" or "sha256:<URL of a checksum file>"').optional(),
    force: z.boolean().default(false),
    mode: z.union([z.string(), z.number()]).optional(),
    owner: z.string().optional(),
    group: z.string().optional(),
    timeout: z.number().int().positive().default(30),
    validate_certs: z.boolean().default(true),
    url_username: z.string().optional(),
    url_password: z.string().optional(),
  })
  .strict();

export const getUrlModule = defineModule({
  name: "get_url",
  idempotent: true,
  schema,
  run: async (ctx, a) => {
    const sep = a.checksum?.indexOf(":") ?? -1;
    const algo = a.checksum ? a.checksum.slice(0, sep).toLowerCase() : undefined;
    const want = a.checksum ? a.checksum.slice(sep + 1) : undefined;
    const wantUrl = want !== undefined && /^(https?|file):\/\//.test(want);
    const sumCmd = (f: string) => `${algo}sum ${f} | cut -d' ' -f1`;
    const insecure = a.validate_certs ? "" : "-k ";
    const auth = a.url_username !== undefined ? `-u ${quote(`${a.url_username}:${a.url_password ?? ""}`)} ` : "";
    const wauth = a.url_username !== undefined ? `--user=${quote(a.url_username)} --password=${quote(a.url_password ?? "")} ` : "";
    const script = [
      `u=${quote(a.url)}; p=${quote(a.dest)}; changed=0; fetched=0`,
      `if [ -d "$p" ]; then n=$(basename "\${u%%\\?*}"); p="$p/$n"; fi`,
      wantUrl
        ? [
            `cu=${quote(want!)}; f=$(basename "\${u%%\\?*}")`,
            `sums=$(curl -fsSL ${insecure}${auth}--connect-timeout ${a.timeout} "$cu" 2>/dev/null || wget -q ${a.validate_certs ? "" : "--no-check-certificate "}${wauth}-T ${a.timeout} -O - "$cu" 2>/dev/null) || { echo "cannot fetch the checksum file $cu" >&2; exit 1; }`,
            `want=$(printf '%s\n' "$sums" | awk -v f="$f" 'NF == 1 { print tolower($1); exit } { n = $2; sub(/^[*]/, "", n); sub(/.*[/]/, "", n); if (n == f) { print tolower($1); exit } }')`,
            `[ -n "$want" ] || { echo "no checksum for $f in $cu" >&2; exit 1; }`,
          ].join("\n")
        : `want=${quote((want ?? "").toLowerCase())}`,
      `need=1`,
      `if [ -f "$p" ]; then`,
      want ? `  [ "$(${sumCmd('"$p"')})" = "$want" ] && need=0` : a.force ? ":" : "  need=0",
      `fi`,
      `if [ $need = 1 ]; then`,
      ctx.check
        ? `  changed=1`
        : [
            `  d=$(dirname "$p"); [ -d "$d" ] || { echo "destination directory $d does not exist" >&2; exit 1; }`,
            `  t=$(mktemp "$d/.kplay-dl.XXXXXX") || exit 1`,
            `  if command -v curl >/dev/null 2>&1; then curl -fsSL ${insecure}${auth}--connect-timeout ${a.timeout} --max-time ${a.timeout * 20} -o "$t" "$u" || { rc=$?; rm -f "$t"; echo "download of $u failed (curl exit $rc)" >&2; exit 1; }`,
            `  elif command -v wget >/dev/null 2>&1; then wget -q ${a.validate_certs ? "" : "--no-check-certificate "}${wauth}-T ${a.timeout} -O "$t" "$u" || { rm -f "$t"; echo "download of $u failed (wget)" >&2; exit 1; }`,
            `  else rm -f "$t"; echo "neither curl nor wget is installed on this host" >&2; exit 1; fi`,
            want ? `  got=$(${sumCmd('"$t"')}); [ "$got" = "$want" ] || { rm -f "$t"; echo "checksum mismatch for $u: expected ${algo}:$want, got ${algo}:$got" >&2; exit 1; }` : ":",
            `  if [ -f "$p" ] && cmp -s "$t" "$p"; then rm -f "$t"; else`,
            `    if [ -e "$p" ]; then chmod "$(stat -c %a "$p")" "$t"; else chmod 644 "$t"; fi`,
            `    mv -f "$t" "$p" && changed=1; fi`,
            `  fetched=1`,
          ].join("\n"),
      `fi`,
      `if [ -e "$p" ]; then`,
      attrScript({ mode: normalizeMode(a.mode), owner: a.owner, group: a.group }, ctx.check) || ":",
      `fi`,
      `echo "KPLAY-RESULT: changed=$changed fetched=$fetched dest=$(printf %s "$p" | base64 -w0)"`,
    ].join("\n");
    const r = await ctx.exec(script, { timeoutMs: (a.timeout * 20 + 30) * 1000 });
    const m = readMarker(r.stdout);
    if (r.rc !== 0 || !m) return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() };
    return { changed: m.changed === "1", dest: Buffer.from(m.dest ?? "", "base64").toString(), url: a.url, ...(a.checksum ? { checksum_dest: a.checksum } : {}) };
  },
});
