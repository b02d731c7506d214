// Owns reading YAML files while keeping positions: parse with the `yaml` library, turn syntax
// errors into input errors with file:line:col, and map a data path back to its line and column.
import { resolve } from "node:path";
import { readTextInput } from "./input-file.js";
import { LineCounter, parseDocument, isMap, isSeq, isPair, isScalar, visit, type Document, type Node } from "yaml";
import type { Tags } from "yaml";
import { inputError } from "./errors.js";

export type PathKey = string | number;

export interface YamlSource {
  file: string;
  data: unknown;
  /** 1-based line/column of the node at `path` (or of the nearest existing parent). */
  pos(path: PathKey[]): { line: number; column: number };
  /** Position of the key itself (for "unknown field" errors). */
  keyPos(path: PathKey[]): { line: number; column: number };
}

export function readYamlFile(file: string, label = file): YamlSource {
  return parseYaml(readTextInput(file, label), label);
}

/**
 * Ansible's `!unsafe`: the string is text, never a template. Kept as a Jinja raw block, so every
 * place that renders it gets the text back as written.
 */
const UNSAFE_TAG = {
  tag: "!unsafe",
  resolve: (s: string) => (/\{[{%#]/.test(s) ? `{% raw %}${s}{% endraw %}` : s),
};

const BOOL = "tag:yaml.org,2002:bool";
const boolTag = (test: RegExp, value: boolean) => ({
  identify: (v: unknown) => typeof v === "boolean",
  default: true,
  tag: BOOL,
  test,
  resolve: () => value,
  stringify: ({ value: v }: { value: unknown }) => (v ? "true" : "false"),
});

/**
 * The YAML types Ansible reads (PyYAML, YAML 1.1): yes/no and on/off are booleans as true/false
 * are, in PyYAML's spellings (`changed_when: no`, `enabled: yes`, a var `x: no` that `when: x`
 * reads as false); y and n stay text, as in PyYAML. The rest is YAML 1.2's core schema.
 */
export function ansibleYamlTags(tags: Tags): Tags {
  return [
    boolTag(/^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/, true),
    boolTag(/^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/, false),
    ...tags.filter((t) => (t as { tag?: string }).tag !== BOOL),
  ];
}

export function parseYaml(text: string, file: string): YamlSource {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark is not content
  const lc = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lc,
    prettyErrors: false,
    uniqueKeys: false, // Ansible's default for a duplicate key: a warning, the last value used
    strict: false,
    customTags: (tags) => [...ansibleYamlTags(tags), UNSAFE_TAG],
  });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const p = lc.linePos(err.pos[0]);
    const msg = /multiple documents/.test(err.message)
      ? "a second YAML document (after ---): the file must hold one YAML document"
      : err.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw inputError(`YAML syntax error: ${msg}`, { file, line: p.line, column: p.col });
  }
  refuseUnknownTags(doc, text, file, lc);
  noteDuplicateKeys(doc, file, lc);
  const data = toData(doc, file, lc);
  const at = (offset: number | undefined) => {
    if (offset === undefined) return { line: 1, column: 1 };
    const p = lc.linePos(offset);
    return { line: p.line, column: p.col };
  };
  return {
    file,
    data,
    pos: (path) => at(findNode(doc, path, false)?.range?.[0]),
    keyPos: (path) => at(findNode(doc, path, true)?.range?.[0]),
  };
}

const VAULT_WORDS =
  "encrypted with Ansible Vault, which kplay does not decrypt " +
  "(decrypt it with ansible-vault, or give the value another way)";

/**
 * A tag of the file's own (`!frob`) that Ansible's loader has no constructor for is an error, as
 * there; a `!vault` value or a vault-encrypted file is named as such: kplay has no vault secrets,
 * and using the ciphertext as the value would be a silent lie. (YAML's own `!!` tags are read as
 * the yaml library reads them.)
 */
function refuseUnknownTags(doc: Document, text: string, file: string, lc: LineCounter): void {
  if (text.startsWith("$ANSIBLE_VAULT;")) throw inputError(`the file is ${VAULT_WORDS}`, { file, line: 1 });
  const w = doc.warnings.find((x) => x.code === "TAG_RESOLVE_FAILED" && !/Unresolved tag: !!/.test(x.message));
  if (!w) return;
  const p = lc.linePos(w.pos[0]);
  const tag = /Unresolved tag: (\S+)/.exec(w.message)?.[1] ?? "";
  const why =
    tag === "!vault"
      ? `a !vault value is ${VAULT_WORDS}`
      : `unknown YAML tag ${tag} (Ansible reads !unsafe and !vault)`;
  throw inputError(why, { file, line: p.line, column: p.col });
}

function findNode(doc: Document, path: PathKey[], wantKey: boolean): Node | undefined {
  let node: unknown = doc.contents;
  let last: Node | undefined = doc.contents ?? undefined;
  for (let i = 0; i < path.length; i++) {
    const key = path[i];
    if (isMap(node)) {
      const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(key));
      if (!pair) return last;
      if (wantKey && i === path.length - 1) return pair.key as Node;
      node = pair.value;
      if (node) last = node as Node;
      else return pair.key as Node;
    } else if (isSeq(node) && typeof key === "number") {
      node = node.items[key];
      if (!node) return last;
      last = node as Node;
    } else {
      return last;
    }
  }
  return last;
}

/** Warnings about files read so far (duplicate keys), for the command to show once it has loaded its input. */
const loadWarnings: string[] = [];

/** The warnings gathered while reading input files, handed over once (the list is emptied). */
export function takeLoadWarnings(): string[] {
  return loadWarnings.splice(0);
}

/** A warning about input as it was read (a keyword kplay accepts and does nothing with), shown once loaded. */
export function loadWarning(text: string): void {
  if (loadWarnings.length < 100 && !loadWarnings.includes(text)) loadWarnings.push(text);
}

/** A key written twice in one mapping: Ansible's warning, in its words; the last value counts. */
function noteDuplicateKeys(doc: Document, file: string, lc: LineCounter): void {
  visit(doc, {
    Map(_k, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (seen.has(key) && loadWarnings.length < 100) {
          const p = lc.linePos(map.range?.[0] ?? 0); // where the mapping starts, as Ansible says it
          loadWarnings.push(
            `While constructing a mapping from ${resolve(file)}, line ${p.line}, column ${p.col}, ` +
              `found a duplicate dict key (${key}). Using last defined value only.`,
          );
        }
        seen.add(key);
      }
    },
  });
}

/** What aliases may expand to, in characters of source: a larger document is refused, not built. */
export const MAX_ALIAS_EXPANSION = 16 * 1024 * 1024;

/**
 * A document's data, refusing alias bombs (nested aliases multiplying: yaml's alias count) and
 * aliases of large values repeated until they fill memory (summed source size of every alias).
 * Either is an input error naming the file and the alias's line.
 */
function toData(doc: Document, file: string, lc: LineCounter): unknown {
  let expanded = 0;
  let at: number | undefined;
  let dangling: { name: string; offset?: number } | undefined;
  let firstAlias: number | undefined;
  visit(doc, {
    Alias(_k, alias) {
      firstAlias ??= alias.range?.[0];
      const target = alias.resolve(doc);
      if (!target && !dangling) dangling = { name: alias.source, offset: alias.range?.[0] };
      const r = target?.range;
      if (r) expanded += r[2] - r[0];
      if (expanded > MAX_ALIAS_EXPANSION && at === undefined) at = alias.range?.[0];
    },
  });
  const where = (offset: number | undefined) =>
    offset === undefined ? { file } : { file, line: lc.linePos(offset).line, column: lc.linePos(offset).col };
  if (dangling)
    throw inputError(
      `the alias *${dangling.name} names no anchor: write &${dangling.name} on a value before it`,
      where(dangling.offset),
    );
  if (at !== undefined)
    throw inputError(
      `aliases expand to more than ${MAX_ALIAS_EXPANSION >> 20} MiB of data (an alias bomb?): write the values out`,
      where(at),
    );
  try {
    return doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    if (/alias/i.test((e as Error).message))
      throw inputError("aliases of aliases repeat the data more than 1000 times (an alias bomb?)", where(firstAlias));
    throw inputError(`cannot read the YAML: ${(e as Error).message}`, { file });
  }
}

/** Parse YAML text that needs no positions (-e @file, auth files, download variables), with the same limits. */
export function parseYamlData(text: string, file: string): unknown {
  return parseYaml(text, file).data;
}
