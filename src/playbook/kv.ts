// Owns reading Ansible's key=value argument strings (`file: path={{ p }} state=touch`,
// `command: chdir=/x ls -l`) exactly as Ansible's split_args/parse_kv/join_args do: words split on
// spaces and newlines except inside quotes and {{ }}, {% %}, {# #}; a lone backslash ends a line
// that continues; an option word anywhere in a free-form command is an option, the rest is the
// command, re-joined. Values stay strings: the module's schema reads booleans and numbers.

import { PY_ESCAPES } from "./pyliteral.js";

/** Ansible's split_args: the words of `s`, each keeping its quotes. */
export function splitArgs(s: string): string[] {
  const params: string[] = [];
  const st: SplitState = { quote: null, print: 0, block: 0, comment: 0 };
  const lines = s.split("\n");
  lines.forEach((line, lineIndex) => {
    let continues = false;
    line.split(" ").forEach((token, idx) => {
      if (token === "" && idx !== 0) {
        if (params.length) params[params.length - 1] += " ";
        return;
      }
      if (token === "\\" && st.quote === null) {
        continues = true;
        return;
      }
      addToken(params, st, token, { idx, tokensInLine: line.split(" ").length });
    });
    if (lines.length > 1 && lineIndex !== lines.length - 1 && !continues && params.length)
      params[params.length - 1] += "\n";
  });
  if (st.print || st.block || st.comment || st.quote !== null)
    throw new Error(`failed at splitting arguments, either an unbalanced jinja2 block or quotes: ${s}`);
  return params;
}

interface SplitState {
  quote: string | null;
  print: number;
  block: number;
  comment: number;
}

function addToken(params: string[], st: SplitState, token: string, at: { idx: number; tokensInLine: number }) {
  const wasInQuotes = st.quote !== null;
  st.quote = quoteState(token, st.quote);
  const inQuotes = st.quote !== null;
  const inJinja = () => st.print > 0 || st.block > 0 || st.comment > 0;
  let appended = false;
  if (inQuotes && !wasInQuotes && !inJinja()) {
    params.push(token);
    appended = true;
  } else if (inJinja() || inQuotes || wasInQuotes) {
    const last = params.length - 1;
    if (at.idx === 0 && wasInQuotes) params[last] += token;
    else if (at.tokensInLine > 1) params[last] += (at.idx > 0 ? " " : "") + token;
    else params[last] += "\n" + token;
    appended = true;
  }
  for (const [key, open, close] of JINJA) {
    const before = st[key];
    st[key] = jinjaDepth(token, before, open, close);
    if (st[key] !== before && !appended) {
      params.push(token);
      appended = true;
    }
  }
  if (!inJinja() && !inQuotes && !appended && token !== "") params.push(token);
}

const JINJA: ["print" | "block" | "comment", string, string][] = [
  ["print", "{{", "}}"],
  ["block", "{%", "%}"],
  ["comment", "{#", "#}"],
];

function quoteState(token: string, quote: string | null): string | null {
  let q = quote;
  for (let i = 0; i < token.length; i++) {
    const c = token[i];
    if ((c === '"' || c === "'") && (i === 0 || token[i - 1] !== "\\")) {
      if (q === null) q = c;
      else if (c === q) q = null;
    }
  }
  return q;
}

function jinjaDepth(token: string, depth: number, open: string, close: string): number {
  const opens = token.split(open).length - 1;
  const closes = token.split(close).length - 1;
  return opens === closes ? depth : Math.max(0, depth + opens - closes);
}

/** Ansible's join_args: words joined by a space, except after one that ends a line. */
export function joinArgs(words: string[]): string {
  let out = "";
  for (const w of words) out += out === "" || out.endsWith("\n") ? w : " " + w;
  return out;
}

function unquote(v: string): string {
  const quoted = v.length > 1 && v[0] === v[v.length - 1] && (v[0] === '"' || v[0] === "'") && v.at(-2) !== "\\";
  return quoted ? v.slice(1, -1) : v;
}

/** Ansible's _decode_escapes: \\n, \\t, \\\\, \\xHH, \\uHHHH… in a key=value word (not octal, so \\1 stays). */
function decodeEscapes(s: string): string {
  return s.replace(/\\(?:U([0-9a-fA-F]{8})|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|([\\'"abfnrtv]))/g, (...m: string[]) => {
    const [, u8, u4, x2, c] = m;
    return c !== undefined ? PY_ESCAPES[c] : String.fromCodePoint(parseInt(u8 ?? u4 ?? x2, 16));
  });
}

/** A word's key and value when it is `key=value` (an `=` escaped by a backslash does not count). */
function keyValue(orig: string): [string, string] | undefined {
  const word = decodeEscapes(orig);
  for (let pos = word.indexOf("=", 1); pos > 0; pos = word.indexOf("=", pos + 1))
    if (word[pos - 1] !== "\\") return [word.slice(0, pos).trim(), unquote(word.slice(pos + 1).trim())];
  return undefined;
}

/** `key=value ...`: the mapping, or the first word that is not key=value. */
export function keyValues(s: string): { args: Record<string, string>; bad?: string } {
  const args: Record<string, string> = {};
  for (const w of splitArgs(s)) {
    const kv = keyValue(w);
    if (!kv) return { args, bad: w };
    args[kv[0]] = kv[1];
  }
  return { args };
}

/** A free-form module's string: its option words (`creates=`, `chdir=`…) wherever they are, and the command. */
export function freeFormArgs(s: string, options: Set<string>): { command: string; args: Record<string, string> } {
  const args: Record<string, string> = {};
  const rest: string[] = [];
  for (const w of splitArgs(s)) {
    const kv = keyValue(w);
    if (kv && options.has(kv[0])) args[kv[0]] = kv[1];
    // as Ansible: a word whose every "=" is escaped loses the escapes (and its others are decoded)
    else rest.push(kv || !w.includes("=") ? w : decodeEscapes(w).replace(/\\=/g, "="));
  }
  return { command: joinArgs(rest), args };
}
