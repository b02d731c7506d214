// Owns the `get_url` module: download a URL on the host (curl or wget, as offline file servers
// are reached from the nodes) into dest, verifying `checksum: sha256:…`; atomic; a present file
// with the right checksum (or any present file without checksum and force: false) is left alone.
import { z } from "zod";
import { catSh, joinSh, raw, secret, sh, type Sh } from "../transport/sh.js";
import { attrScriptOrNoop } from "./attrs.js";
import type { UndoLog } from "./undo.js";
import { defineModule, normalizeMode, readMarker } from "./types.js";

const schema = z
  .object({
    url: z
      .string()
      .regex(/^(https?|ftp|file):\/\//, "url needs a scheme such as http:// (e.g. http://10.0.0.5:8080/files/...)"),
    dest: z.string().min(1),
    // "sha256:<hex>", or "sha256:<URL>" of a checksum file (one hash, or "<hash>  <file name>" lines)
    checksum: z
      .string()
      .regex(
        /^(sha1|sha256|sha512|md5):([0-9a-fA-F]+|(https?|file):\/\/\S+)$/,
        'checksum must look like "sha256:<hex>" or "sha256:<URL of a checksum file>"',
      )
      .optional(),
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

type Args = z.infer<typeof schema>;

/** How the node fetches: curl (preferred) or wget, with credentials and certificate checking as asked. */
interface Fetchers {
  /** Lines that set up credentials (secret variables, wget's config file). */
  setup: Sh[];
  curl(out: Sh, url: Sh, extra: Sh): Sh;
  wget(out: Sh, url: Sh): Sh;
}

/** The checksum wanted: algorithm, value (or a URL of a checksum file). */
interface Want {
  algo?: string;
  want?: string;
  wantUrl: boolean;
}

function fetchers(a: Args): Fetchers {
  // Credentials go to curl/wget in a config read from stdin-fed variables, never as arguments:
  // the whole script is secret (Sh.secret) and so reaches the node on stdin, not in argv.
  const hasAuth = a.url_username !== undefined;
  const curlUser = `"${`${a.url_username}:${a.url_password ?? ""}`.replace(/[\\"]/g, "\\$&")}"`;
  const authVars = hasAuth
    ? sh`au_=${secret(curlUser)}; wu_=${secret(a.url_username!)}; wp_=${secret(a.url_password ?? "")}`
    : raw(":");
  // curl reads "user = ..." from a config on stdin (-K -); wget takes a --config file
  const curlAuth = hasAuth ? raw(`-K - `) : raw("");
  const curlFeed = hasAuth ? raw(`printf 'user = %s\\n' "$au_" | `) : raw("");
  const wgetAuth = hasAuth ? raw(`--config="$wc_" `) : raw("");
  const wgetConf = hasAuth
    ? raw(
        `wc_=$(mktemp) && trap 'rm -f "$wc_"' EXIT && ` +
          `printf 'user = %s\\npassword = %s\\n' "$wu_" "$wp_" > "$wc_" || exit 1`,
      )
    : raw(":");
  const insecure = a.validate_certs ? raw("") : raw("-k ");
  const wInsecure = a.validate_certs ? raw("") : raw("--no-check-certificate ");
  return {
    setup: [authVars, wgetConf],
    curl: (out, url, extra) =>
      sh`${curlFeed}curl -fsSL ${insecure}${curlAuth}--connect-timeout ${a.timeout} ${extra}-o ${out} -- ${url}`,
    wget: (out, url) => sh`wget -q ${wInsecure}${wgetAuth}-T ${a.timeout} -O ${out} -- ${url}`,
  };
}

const sumCmd = (algo: string | undefined, f: Sh) => sh`s_=$(${`${algo}sum`} -- ${f}); s_="\${s_%% *}"`;

/** sh: set $want to the checksum wanted, fetching the checksum file first when it is a URL. */
function wantedSum(f: Fetchers, w: Want): Sh {
  if (!w.wantUrl) return sh`want=${(w.want ?? "").toLowerCase()}`;
  return joinSh([
    sh`cu=${w.want!}; f=$(basename -- "\${u%%\\?*}")`,
    catSh(
      sh`sums=$(${f.curl(raw("-"), raw('"$cu"'), raw(""))} 2>/dev/null || `,
      sh`${f.wget(raw("-"), raw('"$cu"'))} 2>/dev/null)`,
      raw(` || { echo "cannot fetch the checksum file $cu" >&2; exit 1; }`),
    ),
    raw(
      `want=$(printf '%s\\n' "$sums" | awk -v f="$f" 'NF == 1 { print tolower($1); exit } ` +
        `{ n = $2; sub(/^[*]/, "", n); sub(/.*[/]/, "", n); if (n == f) { print tolower($1); exit } }')`,
    ),
    raw(`[ -n "$want" ] || { echo "no checksum for $f in $cu" >&2; exit 1; }`),
  ]);
}

/** sh: download to a temporary file beside the destination, check it, and move it in only when it differs. */
function download(a: Args, f: Fetchers, w: Want, undo: UndoLog): Sh {
  return joinSh([
    raw(`  d=$(dirname -- "$p"); ` + `[ -d "$d" ] || { echo "destination directory $d does not exist" >&2; exit 1; }`),
    raw(`  t=$(mktemp "$d/.kplay-dl.XXXXXX") || exit 1`),
    catSh(
      raw(`  if command -v curl >/dev/null 2>&1; then `),
      f.curl(raw('"$t"'), raw('"$u"'), sh`--max-time ${a.timeout * 20} `),
      raw(` || { rc=$?; rm -f -- "$t"; echo "download of $u failed (curl exit $rc)" >&2; exit 1; }`),
    ),
    catSh(
      sh`  elif command -v wget >/dev/null 2>&1; then ${f.wget(raw('"$t"'), raw('"$u"'))}`,
      raw(` || { rm -f -- "$t"; echo "download of $u failed (wget)" >&2; exit 1; }`),
    ),
    raw(`  else rm -f -- "$t"; echo "neither curl nor wget is installed on this host" >&2; exit 1; fi`),
    w.want
      ? catSh(
          sh`  ${sumCmd(w.algo, raw('"$t"'))}; [ "$s_" = "$want" ] || `,
          raw(`{ rm -f -- "$t"; `),
          sh`echo "checksum mismatch for $u: expected "${`${w.algo}:`}"$want, got "${`${w.algo}:`}"$s_" >&2; exit 1; }`,
        )
      : raw(":"),
    raw(`  if [ -f "$p" ] && cmp -s -- "$t" "$p"; then rm -f -- "$t"; else`),
    // the file stayed 0600 (mktemp) till now: an octal mode the task asks for is its mode before it
    // takes dest's name, else the old file's, else 0644
    /^[0-7]{3,4}$/.test(normalizeMode(a.mode) ?? "")
      ? sh`    chmod -- ${normalizeMode(a.mode)!} "$t"`
      : raw(`    if [ -e "$p" ]; then chmod -- "$(stat -c %a -- "$p")" "$t"; else chmod 644 -- "$t"; fi`),
    // what was at the destination before (or that nothing was) goes into the undo log
    undo.keepOriginal("p"),
    raw(`    mv -f -- "$t" "$p" && changed=1; fi`),
    raw(`  fetched=1`),
  ]);
}

function getUrlScript(a: Args, o: { check: boolean; undo: UndoLog }): Sh {
  const { check } = o;
  const sep = a.checksum?.indexOf(":") ?? -1;
  const want = a.checksum ? a.checksum.slice(sep + 1) : undefined;
  const w: Want = {
    algo: a.checksum ? a.checksum.slice(0, sep).toLowerCase() : undefined,
    want,
    wantUrl: want !== undefined && /^(https?|file):\/\//.test(want),
  };
  const f = fetchers(a);
  return joinSh([
    sh`u=${a.url}; p=${a.dest}; changed=0; fetched=0`,
    ...f.setup,
    raw(`if [ -d "$p" ]; then n=$(basename -- "\${u%%\\?*}"); p="\${p%/}/$n"; fi`),
    wantedSum(f, w),
    raw(`need=1`),
    raw(`if [ -f "$p" ]; then`),
    want ? sh`  ${sumCmd(w.algo, raw('"$p"'))}; [ "$s_" = "$want" ] && need=0` : a.force ? raw(":") : raw("  need=0"),
    raw(`fi`),
    raw(`if [ $need = 1 ]; then`),
    check ? raw(`  changed=1`) : download(a, f, w, o.undo),
    raw(`fi`),
    raw(`if [ -e "$p" ]; then`),
    attrScriptOrNoop({ mode: normalizeMode(a.mode), owner: a.owner, group: a.group }, check),
    raw(`fi`),
    raw(`echo "KPLAY-RESULT: changed=$changed fetched=$fetched dest=$(printf %s "$p" | base64 -w0)"`),
  ]);
}

export const getUrlModule = defineModule({
  name: "get_url",
  undo: "recorded",
  idempotent: true,
  schema,
  run: async (ctx, a) => {
    const r = await ctx.exec(getUrlScript(a, { check: ctx.check, undo: ctx.undo }), {
      timeoutMs: (a.timeout * 20 + 30) * 1000,
    });
    const m = readMarker(r.stdout);
    if (r.rc !== 0 || !m) return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() };
    return {
      changed: m.changed === "1",
      dest: Buffer.from(m.dest ?? "", "base64").toString(),
      url: a.url,
      ...(a.checksum ? { checksum_dest: a.checksum } : {}),
    };
  },
});
