// Owns the node-side script of `unarchive`, built as Ansible's module works: the archive's type
// is found by asking each handler in Ansible's order whether it can list the archive (zip with
// unzip and zipinfo, then GNU tar plain, gzip, bzip2, xz and zstd), never by the file's name; the
// reasons of every handler that could not are the failure's message. Whether dest already holds
// the archive is asked of the tool (tar --diff; unzip -p compared byte for byte), then it is
// unpacked and each listed member (and each top folder) is brought to mode/owner/group.
import { catSh, joinSh, raw, sh, type Sh } from "../transport/sh.js";
import { receiveStdin } from "../transport/stdin.js";
import { attrScriptOrNoop, type Attrs } from "./attrs.js";
import { statLine } from "./path-info.js";

export interface UnarchivePlan {
  /** The archive on the host (remote_src) or where the controller's copy lands. */
  src: string;
  dest: string;
  /** Nothing is done when this path exists on the host (the action plugin's check). */
  creates?: string;
  /** The controller's archive: its sha256 (sent on stdin); undefined when remote_src. */
  sent?: string;
  /** A URL for remote_src: downloaded on the host first (curl or wget). */
  url?: boolean;
  validateCerts: boolean;
  include: string[];
  exclude: string[];
  extraOpts: string[];
  keepNewer: boolean;
  listFiles: boolean;
  attrs: Attrs;
  check: boolean;
}

/** The tar handlers as Ansible tries them, after the two zip ones: name and compression option. */
const TARS: Array<[string, string]> = [
  ["TgzArchive", "-z"],
  ["TarArchive", ""],
  ["TarBzipArchive", "-j"],
  ["TarXzArchive", "-J"],
  ["TarZstdArchive", "--use-compress-program=zstd"],
];

/**
 * Ends the script with Ansible's failure message: `msg` is one double-quoted shell word that may
 * use $s_ (src), $d (dest), $e (a tool's error) and $r (the handlers' reasons).
 */
const fail = (msg: Sh) => catSh(raw(`{ printf 'KPLAY-FAIL: %s\\n' `), msg, raw(`; exit 0; }`));
const words = (list: string[]) => sh`${list}`;

/** The archive in "$f": received, downloaded or found on the host; the checks Ansible makes before a handler. */
const drainIf = (p: UnarchivePlan) => (p.sent ? raw("cat >/dev/null; ") : raw(""));

function source(p: UnarchivePlan): Sh {
  const drain = drainIf(p);
  const dest = sh`[ -d "$d" ] || { ${drain}${fail(raw(`"dest '$d' must be an existing dir"`))}; }`;
  if (p.sent) return joinSh([dest, raw(`f="$w/archive"`), receiveStdin(raw('"$f"'), p.sent)]);
  if (p.url) return joinSh([dest, download(p)]);
  return joinSh([
    dest,
    raw(`case "$s_" in /*) f=$s_;; *) f=./$s_;; esac`),
    sh`[ -e "$f" ] || ${fail(raw(`"Source '$s_' does not exist"`))}`,
    sh`[ -r "$f" ] || ${fail(raw(`"Source '$s_' not readable"`))}`,
  ]);
}

function download(p: UnarchivePlan): Sh {
  const k = p.validateCerts ? raw("") : raw("-k ");
  const nk = p.validateCerts ? raw("") : raw("--no-check-certificate ");
  const failed = fail(raw(`"Failure downloading $s_, $e"`));
  // (a URL begins with its scheme, never with "-")
  return catSh(
    raw(`f="$w/archive"; `),
    sh`if command -v curl >/dev/null 2>&1; then e=$(curl -fsSL ${k}-o "$f" "$s_" 2>&1) || ${failed}; `,
    sh`elif command -v wget >/dev/null 2>&1; then e=$(wget -q ${nk}-O "$f" "$s_" 2>&1) || ${failed}; `,
    sh`else e='neither curl nor wget is installed on this host'; ${failed}; fi`,
  );
}

/** Sets h (the handler's name) and z (tar's compression option), or fails with every handler's reason. */
function pickHandler(p: UnarchivePlan): Sh {
  const reasons = raw(`r=''; add() { case "$r" in *"$1"*) ;; *) r="$r\${r:+\n}$1";; esac; }`);
  const zip = joinSh([
    catSh(
      raw(`if command -v unzip >/dev/null 2>&1 && command -v zipinfo >/dev/null 2>&1; then `),
      raw(`if e=$(unzip -l "$f" 2>&1 >/dev/null); then h=ZipArchive; `),
      raw(`else add "Command \\"$(command -v unzip)\\" could not handle archive: $e
"; fi; `),
      raw(`else add "Unable to find required '$(m=''; for b in unzip zipinfo; do command -v $b >/dev/null 2>&1 || `),
      raw(`m="$m\${m:+' or '}$b"; done; echo "$m")' binary in the path."; fi`),
    ),
    raw(
      `[ -n "$h" ] || command -v unzip >/dev/null 2>&1 || ` +
        `add "Unable to find required 'unzip' or 'unzip' binary in the path."`,
    ),
  ]);
  // Ansible stops here in check mode: its tar handlers do not support it
  const checkStop = p.check ? sh`[ -n "$h" ] || { echo "KPLAY-RESULT: changed=0 skipped=1"; exit 0; }` : raw(":");
  const tar = joinSh([
    raw(`tb=$(command -v gtar || command -v tar) || add "Unable to find required 'gtar' or 'tar' binary in the path"`),
    raw(
      `[ -z "$tb" ] || "$tb" --version 2>/dev/null | head -n 1 | grep -q '^tar.*GNU' || { add "Command \\"$tb\\" ` +
        `detected as tar type $("$tb" --version 2>/dev/null | grep -q '^bsdtar' && echo bsd || echo None). ` +
        `GNU tar required."; tb=''; }`,
    ),
    ...TARS.map(([name, z]) =>
      catSh(
        sh`if [ -z "$h" ] && [ -n "$tb" ]; then z=${z}; `,
        // one listing per handler: its members (kept in $w/m for the attribute pass) or its error
        sh`if tarlist >"$w/m" 2>"$w/e"; then if [ -s "$w/m" ]; then h=${name}; `,
        raw(`else add "Command \\"$tb\\" found no files in archive. Empty archive files are not supported."; fi; `),
        raw(`else e=$(cat "$w/e"); `),
        raw(`add "Command \\"$tb\\" could not handle archive: Unable to list files in the archive: $e
"; fi; fi`),
      ),
    ),
  ]);
  const none = sh`[ -n "$h" ] || ${fail(
    raw(`"Failed to find handler for \\"$s_\\". Make sure the required command to extract the file is installed.
$r"`),
  )}`;
  return joinSh([raw("h=''; z=''; tb=''"), reasons, zip, checkStop, tar, none]);
}

/** Shell functions tarlist/tardo (tar with the task's options) and ziplist (members, one per line). */
function functions(p: UnarchivePlan): Sh {
  const opts = p.extraOpts.length ? sh` --show-transformed-names ${words(p.extraOpts)}` : raw("");
  const excl = joinSh(
    p.exclude.map((x) => sh` --exclude=${x.replace(/\/+$/, "")}`),
    "",
  );
  const incl = p.include.length ? sh` -- ${words(p.include)}` : raw("");
  const own = joinSh(
    [
      p.attrs.owner ? sh` --owner=${p.attrs.owner}` : raw(""),
      p.attrs.group ? sh` --group=${p.attrs.group}` : raw(""),
      p.keepNewer ? raw(" --keep-newer-files") : raw(""),
    ],
    "",
  );
  const zipSkip = joinSh(
    p.exclude.map((x) => catSh(sh`x_=${x}; `, raw(`case "$e" in $x_) continue;; esac`))),
    "; ",
  );
  const zipOnly = p.include.length
    ? catSh(
        raw("k_=0; for i_ in "),
        words(p.include),
        raw(`; do [ "$e" = "$i_" ] && k_=1; done; [ $k_ = 1 ] || continue`),
      )
    : raw(":");
  return joinSh([
    // members as names, not escapes (non-ASCII names are read back as the bytes they are)
    catSh(
      raw(`tarlist() { LC_ALL=C "$tb" --list --quoting-style=literal -C "$d" $z`),
      catSh(opts, excl, raw(` -f "$f"`), incl, raw("; }")),
    ),
    catSh(raw(`tardo() { LC_ALL=C "$tb" "$1" -C "$d" $z`), opts, own, excl, raw(` -f "$f"`), incl, raw("; }")),
    catSh(
      raw(`ziplist() { unzip -Z1 "$f" | while IFS= read -r e; do `),
      zipSkip.text ? catSh(zipSkip, raw("; ")) : raw(""),
      zipOnly,
      raw(`; printf '%s\\n' "$e"; done; }`),
    ),
  ]);
}

/** Sets u=1 when dest already holds the archive (as Ansible's is_unarchived decides it). */
function unarchived(p: UnarchivePlan): Sh {
  // The tar --diff lines Ansible counts: a missing member, a modification time, an unknown owner
  // or group, and (for root) a uid/gid or a mode the task does not set itself; nothing else.
  const always =
    ": Mod time differs$|: Warning: Cannot stat: No such file or directory$|: Invalid owner|: Invalid group";
  const pattern = catSh(
    sh`pat=${always}`,
    p.attrs.owner ? raw("") : raw(`; [ "$(id -u)" != 0 ] || pat="$pat|: Uid differs$"`),
    p.attrs.group ? raw("") : raw(`; [ "$(id -u)" != 0 ] || pat="$pat|: Gid differs$"`),
    p.attrs.mode ? raw("") : raw(`; pat="$pat|: Mode differs$"`),
  );
  const tarDiff = catSh(
    pattern,
    raw(`; out=$(tardo --diff 2>&1 | grep -v ': : Warning: Cannot stat: No such file or directory$' | grep -E "$pat")`),
    raw(`; [ -n "$out" ] || u=1`),
  );
  const zipSame = raw(
    `ziplist > "$w/l" && u=1 && while IFS= read -r e; do case "$e" in */) [ -d "$d/$e" ] || { u=0; break; };; ` +
      `*) unzip -p "$f" "$e" | cmp -s - "$d/$e" || { u=0; break; };; esac; done < "$w/l"`,
  );
  return catSh(raw(`u=0; if [ "$h" = ZipArchive ]; then `), zipSame, raw("; else "), tarDiff, raw("; fi"));
}

function extract(p: UnarchivePlan): Sh {
  const excl = p.exclude.length ? sh` -x ${words(p.exclude)}` : raw("");
  const incl = p.include.length ? sh` ${words(p.include)}` : raw("");
  const opts = p.extraOpts.length ? sh` ${words(p.extraOpts)}` : raw("");
  const unzip = catSh(raw(`e=$(unzip -o`), opts, raw(` "$f"`), excl, incl, raw(` -d "$d" 2>&1)`));
  return catSh(
    raw(`if [ "$h" = ZipArchive ]; then `),
    unzip,
    raw(`; else e=$(tardo --extract 2>&1); fi || `),
    fail(raw(`"failed to unpack $s_ to $d"`)),
    raw("; changed=1"),
  );
}

/** Each member, and each top folder, brought to mode/owner/group; KPLAY-FILE lines when list_files. */
function members(p: UnarchivePlan): Sh {
  const attrs = attrScriptOrNoop(p.attrs, p.check);
  const each = catSh(
    // (a tar's members were listed into $w/m when its handler was picked)
    raw(`if [ "$h" = ZipArchive ]; then ziplist > "$w/m"; else sed 's|^/||' "$w/m" > "$w/n" && mv "$w/n" "$w/m"; fi; `),
    raw(`while IFS= read -r e; do `),
    p.listFiles ? raw(`printf 'KPLAY-FILE: %s\\n' "$e"; `) : raw(""),
    catSh(raw(`p="$d/$e"; `), attrs, raw(`; t_=\${e%%/*}; [ "$t_" = "$e" ] || printf '%s\\n' "$t_" >> "$w/t"; `)),
    raw(`done < "$w/m"; `),
    // top folders (Ansible fixes the folders a member's path makes): read from a file, not a pipe,
    // so changed=1 stays in this shell
    raw(`[ ! -f "$w/t" ] || sort -u "$w/t" > "$w/u"; touch "$w/u"; `),
    catSh(raw(`while IFS= read -r e; do p="$d/$e"; `), attrs, raw(`; done < "$w/u"`)),
  );
  return each;
}

export function unarchiveScript(p: UnarchivePlan): Sh {
  const hasAttrs = Boolean(p.attrs.mode || p.attrs.owner || p.attrs.group);
  return joinSh([
    sh`d=${p.dest}; s_=${p.src}; changed=0`,
    // a private work directory: the received or downloaded archive and the member lists
    p.creates
      ? sh`if [ -e ${p.creates} ]; then ${drainIf(p)}echo "KPLAY-RESULT: changed=0 creates=1"; exit 0; fi`
      : raw(":"),
    raw(`w=$(mktemp -d /tmp/.kplay-unarchive.XXXXXX) || exit 1; trap 'rm -rf "$w"' EXIT`),
    source(p),
    sh`[ -s "$f" ] || ${fail(raw(`"Invalid archive '$s_', the file is 0 bytes"`))}`,
    functions(p),
    pickHandler(p),
    unarchived(p),
    p.check ? raw(`[ $u = 1 ] || changed=1`) : catSh(raw(`if [ $u = 0 ]; then `), extract(p), raw("; fi")),
    hasAttrs || p.listFiles ? members(p) : raw(":"),
    raw(`p="$d"`),
    statLine("KPLAY-POST"),
    raw(`echo "KPLAY-RESULT: changed=$changed handler=$h"`),
  ]);
}
