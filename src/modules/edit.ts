// Owns read-modify-write of a text file on a host (lineinfile, blockinfile, replace): one round
// trip reads content and attributes; the edit is computed here; a second round trip writes only
// when something has to change (so an idempotent re-run costs one round trip).
// Edits work on bytes: the file is held as a "binary string" (one char per byte, latin1), and
// the task's strings are turned into their UTF-8 bytes the same way, so lines the edit does not
// touch are written back byte for byte, whatever their encoding (Latin-1, invalid UTF-8, CRLF).
import { joinSh, raw, sh } from "../transport/sh.js";
import { attrScriptOrNoop, type Attrs } from "./attrs.js";
import { putFile } from "./copy.js";
import { readMarker, type ModuleContext, type ModuleResult } from "./types.js";

export interface RemoteFile {
  exists: boolean;
  isFile: boolean;
  isDir: boolean;
  content: string;
  attrsOk: boolean;
}

export async function readRemote(ctx: ModuleContext, path: string, attrs: Attrs = {}): Promise<RemoteFile> {
  const r = await ctx.exec(
    joinSh([
      sh`p=${path}; changed=0`,
      raw(`if [ -e "$p" ]; then`),
      raw(`  if [ -f "$p" ]; then echo KPLAY-CONTENT; base64 -- "$p"; echo KPLAY-END; isf=1; else isf=0; fi`),
      attrScriptOrNoop(attrs, true),
      raw(`  if [ -d "$p" ]; then isd=1; else isd=0; fi`),
      raw(`  echo "KPLAY-RESULT: exists=1 isfile=$isf isdir=$isd attrs_changed=$changed"`),
      raw(`else echo "KPLAY-RESULT: exists=0 isfile=0 attrs_changed=1"; fi`),
    ]),
  );
  const m = readMarker(r.stdout);
  if (r.rc !== 0 || !m) throw new Error((r.stderr || r.stdout).trim() || `reading ${path} failed with rc ${r.rc}`);
  const a = r.stdout.indexOf("KPLAY-CONTENT\n");
  const b = r.stdout.indexOf("KPLAY-END\n");
  const content =
    a >= 0 && b > a ? Buffer.from(r.stdout.slice(a + 14, b).replace(/\s+/g, ""), "base64").toString("latin1") : "";
  return {
    exists: m.exists === "1",
    isFile: m.isfile === "1",
    isDir: m.isdir === "1",
    content,
    attrsOk: m.attrs_changed !== "1",
  };
}

export interface EditOptions extends Attrs {
  path: string;
  create: boolean;
  backup?: boolean;
  validate?: string;
  /** how Ansible's module names a missing file: lineinfile "Destination", replace and blockinfile "Path" */
  missingNoun?: "Destination" | "Path";
  /** the whole message for a missing file, when the module words it otherwise (ini_file) */
  missingMsg?: string;
  /** make a missing file's directories (default: as create says) */
  makeDirs?: boolean;
}

/** Apply `edit` to the file's text; write it back only if the text or attributes must change. */
export async function editFile(
  ctx: ModuleContext,
  o: EditOptions,
  edit: (before: string, exists: boolean) => { after: string; msg?: string },
): Promise<ModuleResult> {
  const cur = await readRemote(ctx, o.path, o);
  if (cur.isDir) return { changed: false, failed: true, rc: 256, msg: `Path ${o.path} is a directory !` };
  if (cur.exists && !cur.isFile) return { changed: false, failed: true, msg: `${o.path} is not a regular file` };
  if (!cur.exists && !o.create)
    return {
      changed: false,
      failed: true,
      rc: 257,
      msg: o.missingMsg ?? `${o.missingNoun ?? "Destination"} ${o.path} does not exist !`,
    };
  const { after, msg } = edit(cur.content, cur.exists);
  if (cur.exists && after === cur.content && cur.attrsOk) return { changed: false, msg: msg ?? "", path: o.path };
  // nothing to write where there is no file: no empty file is made
  if (!cur.exists && after === "") return { changed: false, msg: msg ?? "", path: o.path };
  const res = await putFile(ctx, {
    dest: o.path,
    data: Buffer.from(after, "latin1"),
    mode: o.mode,
    owner: o.owner,
    group: o.group,
    backup: o.backup,
    validate: o.validate,
    makeDirs: o.makeDirs ?? o.create,
  });
  if (res.failed) return { ...res, path: o.path };
  if (ctx.diff && after !== cur.content)
    res.diff = { path: o.path, before: fromBytes(cur.content), after: fromBytes(after) };
  return { ...res, msg: msg ?? res.msg, path: o.path };
}

/** A task's text as the binary string of its UTF-8 bytes (to compare with file content). */
export function toBytes(s: string): string {
  return Buffer.from(s, "utf8").toString("latin1");
}

/** A binary string back to text for showing (diffs). */
export function fromBytes(s: string): string {
  return Buffer.from(s, "latin1").toString("utf8");
}

/** These fields of `a` (when strings) as binary strings of their UTF-8 bytes. */
export function argsAsBytes<T extends Record<string, unknown>>(a: T, fields: Array<keyof T>): T {
  const out = { ...a };
  for (const f of fields) if (typeof out[f] === "string") out[f] = toBytes(out[f] as string) as T[keyof T];
  return out;
}

/** Split text into lines (without their "\n"); whether it ended with one. */
export function splitLines(text: string): { lines: string[]; finalNewline: boolean } {
  return {
    lines: text === "" ? [] : text.replace(/\n$/, "").split("\n"),
    finalNewline: text === "" || text.endsWith("\n"),
  };
}

/** Lines back to text; the last line gets its "\n" unless it is the original last line that had none. */
export function joinLines(lines: string[], endNewline: boolean): string {
  return lines.length ? lines.join("\n") + (endNewline ? "\n" : "") : "";
}
