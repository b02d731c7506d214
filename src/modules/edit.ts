// Owns read-modify-write of a text file on a host (lineinfile, blockinfile, replace): one round
// trip reads content and attributes; the edit is computed here; a second round trip writes only
// when something has to change (so an idempotent re-run costs one round trip).
import { joinSh, raw, sh } from "../transport/sh.js";
import { attrScriptOrNoop, type Attrs } from "./attrs.js";
import { putFile } from "./copy.js";
import { readMarker, type ModuleContext, type ModuleResult } from "./types.js";

export interface RemoteFile {
  exists: boolean;
  isFile: boolean;
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
      raw(`  echo "KPLAY-RESULT: exists=1 isfile=$isf attrs_changed=$changed"`),
      raw(`else echo "KPLAY-RESULT: exists=0 isfile=0 attrs_changed=1"; fi`),
    ]),
  );
  const m = readMarker(r.stdout);
  if (r.rc !== 0 || !m) throw new Error((r.stderr || r.stdout).trim() || `reading ${path} failed with rc ${r.rc}`);
  const a = r.stdout.indexOf("KPLAY-CONTENT\n");
  const b = r.stdout.indexOf("KPLAY-END\n");
  const content = a >= 0 && b > a ? Buffer.from(r.stdout.slice(a + 14, b).replace(/\s+/g, ""), "base64").toString("utf8") : "";
  return { exists: m.exists === "1", isFile: m.isfile === "1", content, attrsOk: m.attrs_changed !== "1" };
}

export interface EditOptions extends Attrs {
  path: string;
  create: boolean;
  backup?: boolean;
}

/** Apply `edit` to the file's text; write it back only if the text or attributes must change. */
export async function editFile(ctx: ModuleContext, o: EditOptions, edit: (before: string, exists: boolean) => { after: string; msg?: string }): Promise<ModuleResult> {
  const cur = await readRemote(ctx, o.path, o);
  if (cur.exists && !cur.isFile) return { changed: false, failed: true, msg: `${o.path} is not a regular file` };
  if (!cur.exists && !o.create) return { changed: false, failed: true, rc: 257, msg: `Destination ${o.path} does not exist !` };
  const { after, msg } = edit(cur.content, cur.exists);
  if (cur.exists && after === cur.content && cur.attrsOk) return { changed: false, msg: msg ?? "", path: o.path };
  if (!cur.exists && after === "" && !o.create) return { changed: false, path: o.path };
  const res = await putFile(ctx, { dest: o.path, data: Buffer.from(after), mode: o.mode, owner: o.owner, group: o.group, backup: o.backup, makeDirs: o.create });
  if (ctx.diff && after !== cur.content) res.diff = { path: o.path, before: cur.content, after };
  return { ...res, msg: msg ?? res.msg, path: o.path };
}
