// Owns reading Kubernetes manifests for their images: every `image` of a container, init
// container or ephemeral container anywhere in any document (Pods, workloads, CronJobs' job
// templates, Lists, Helm-rendered output), found structurally with its file, line and YAML
// path; and rewriting those values in place, byte for byte elsewhere (comments, quoting style
// and layout kept), to point at another registry.
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  Scalar,
  visit,
  type Document,
  type Node,
} from "yaml";
import { inputError } from "../errors.js";
import { formatRef, isUnder, normalizeRef, parseRef, ReferenceError, retarget } from "./reference.js";

const CONTAINER_LISTS = new Set(["containers", "initContainers", "ephemeralContainers"]);

export interface ImageUse {
  file: string;
  line: number;
  /** YAML path of the value, e.g. spec.template.spec.containers[0].image (document index first). */
  path: string;
  /** As written in the file. */
  image: string;
  /** Fully qualified (docker.io/library/busybox:latest). */
  normalized: string;
  /** Kind/name of the document's object, when it has them. */
  object?: string;
  node: Scalar;
}

interface Parsed {
  file: string;
  text: string;
  uses: ImageUse[];
}

function keyName(k: unknown): string {
  return isScalar(k) ? String(k.value) : String(k);
}

/** "spec.template.spec" / "items[2].spec" from a visitor's ancestor list. */
function pathOf(ancestors: readonly unknown[]): string {
  let out = "";
  ancestors.forEach((a, i) => {
    if (isPair(a)) out += `${out ? "." : ""}${keyName(a.key)}`;
    else if (isSeq(a) && i + 1 < ancestors.length) out += `[${a.items.indexOf(ancestors[i + 1] as never)}]`;
  });
  return out;
}

/** What a YAML node holds, in words, for a value that should have been text. */
function scalarKind(node: unknown): string {
  if (!isScalar(node)) return isSeq(node) ? "a list" : isMap(node) ? "a mapping" : "nothing";
  return node.value === null ? "nothing" : `a ${typeof node.value}`;
}

function lineOf(lc: LineCounter, pair: { key: unknown; value: unknown }): number {
  return lc.linePos((pair.value as Node | null)?.range?.[0] ?? (pair.key as Node).range?.[0] ?? 0).line;
}

/** One `image:` value: a reference (checked and normalized), or an input error naming its place. */
function imageUse(node: unknown, at: { file: string; field: string; line: number }): Omit<ImageUse, "path" | "object"> {
  const where = { file: at.file, line: at.line, field: at.field };
  if (!isScalar(node) || typeof node.value !== "string")
    throw inputError(`an image is a reference such as nginx:1.25, got ${scalarKind(node)}`, where);
  try {
    return { file: at.file, line: at.line, image: node.value, normalized: normalizeRef(node.value), node };
  } catch (e) {
    if (e instanceof ReferenceError) throw inputError(e.message, where);
    throw e;
  }
}

/** Every container image in `text` (one file, any number of documents). */
export function findImages(text: string, file: string): Parsed {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, keepSourceTokens: false, uniqueKeys: false }) as
    Document.Parsed[] | { errors: unknown[] };
  if (!Array.isArray(docs)) throw inputError("not a YAML stream", { file });
  const uses: ImageUse[] = [];
  docs.forEach((doc, di) => {
    const err = doc.errors[0];
    if (err) {
      const at = lc.linePos(err.pos[0]);
      const msg = err.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
      throw inputError(`YAML syntax error: ${msg}`, { file, line: at.line, column: at.col });
    }
    const root = doc.contents;
    let object: string | undefined;
    if (isMap(root)) {
      const kind = root.get("kind");
      const meta = root.get("metadata");
      const name = isMap(meta) ? meta.get("name") : undefined;
      if (typeof kind === "string") object = `${kind}/${typeof name === "string" ? name : "?"}`;
    }
    visit(doc, {
      Pair(_k, pair, path) {
        if (!CONTAINER_LISTS.has(keyName(pair.key)) || !isSeq(pair.value)) return;
        pair.value.items.forEach((item, i) => {
          if (!isMap(item)) return;
          const img = item.items.find((p) => keyName(p.key) === "image");
          if (!img) return;
          const parent = pathOf(path);
          const field = `${parent ? `${parent}.` : ""}${keyName(pair.key)}[${i}].image`;
          const use = imageUse(img.value, { file, field, line: lineOf(lc, img) });
          uses.push({ ...use, path: `${docs.length > 1 ? `[${di}].` : ""}${field}`, object });
        });
      },
    });
  });
  return { file, text, uses };
}

/** Distinct images (normalized), sorted. */
export function distinctImages(uses: ImageUse[]): string[] {
  return [...new Set(uses.map((u) => u.normalized))].sort();
}

export interface Change {
  file: string;
  line: number;
  path: string;
  from: string;
  to: string;
}

function quoted(node: Scalar, value: string): string {
  switch (node.type) {
    case Scalar.QUOTE_DOUBLE:
      return JSON.stringify(value);
    case Scalar.QUOTE_SINGLE:
      return `'${value.replace(/'/g, "''")}'`;
    default:
      return value;
  }
}

/**
 * `text` with every image not already under `prefix` moved there (registry/project/path:tag,
 * digest kept), and the list of changes. Only the image values change: every other byte of the
 * file is kept.
 */
export function rewriteImages(
  p: Parsed,
  prefix: string,
  o: { keepRegistry?: boolean } = {},
): { text: string; changes: Change[] } {
  const edits: Array<{ start: number; end: number; text: string; change: Change }> = [];
  for (const u of p.uses) {
    const ref = parseRef(u.image);
    if (isUnder(ref, prefix)) continue;
    const to = formatRef(retarget(ref, prefix, o), { defaultTag: false });
    const [start, end] = u.node.range ?? [0, 0];
    edits.push({
      start,
      end,
      text: quoted(u.node, to),
      change: { file: u.file, line: u.line, path: u.path, from: u.image, to },
    });
  }
  let text = p.text;
  for (const e of [...edits].sort((a, b) => b.start - a.start))
    text = text.slice(0, e.start) + e.text + text.slice(e.end);
  return { text, changes: edits.map((e) => e.change) };
}
