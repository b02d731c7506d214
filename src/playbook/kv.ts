// Owns reading Ansible's free-form arguments (`file: path={{ p }} state=touch`, `command: chdir=/x
// ls -l`): words are separated by whitespace except inside quotes and inside {{ }}, {% %} and
// {# #}, as Ansible's split_args does; a whole quoted value loses its quotes. Values stay
// strings: the module's schema reads booleans and numbers.

interface Word {
  text: string;
  start: number;
  end: number;
}

const OPEN: Record<string, string> = { "{{": "}}", "{%": "%}", "{#": "#}" };

/** The words of `s` with their positions. */
export function splitWords(s: string): Word[] {
  const words: Word[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i])) i++;
    if (i >= s.length) break;
    const start = i;
    while (i < s.length && !/\s/.test(s[i])) i = skipUnit(s, i);
    words.push({ text: s.slice(start, i), start, end: i });
  }
  return words;
}

/** Past one character, or past a whole quoted string or template block starting at i. */
function skipUnit(s: string, i: number): number {
  const two = s.slice(i, i + 2);
  if (OPEN[two]) {
    const close = s.indexOf(OPEN[two], i + 2);
    return close < 0 ? s.length : close + 2;
  }
  const c = s[i];
  if (c !== '"' && c !== "'") return i + 1;
  for (let j = i + 1; j < s.length; j++) {
    if (c === '"' && s[j] === "\\") j++;
    else if (s[j] === c) return j + 1;
  }
  return s.length;
}

const KEY = /^([A-Za-z_]\w*)=(.*)$/s;

function unquote(v: string): string {
  return v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0] ? v.slice(1, -1) : v;
}

/** `key=value ...`: the mapping, or the first word that is not key=value. */
export function keyValues(s: string): { args: Record<string, string>; bad?: string } {
  const args: Record<string, string> = {};
  for (const w of splitWords(s)) {
    const m = KEY.exec(w.text);
    if (!m) return { args, bad: w.text };
    args[m[1]] = unquote(m[2]);
  }
  return { args };
}

/**
 * A free-form module's string: its option words (`creates=`, `chdir=`…, known to the module)
 * at the start or the end are options; what lies between them, as written, is the command.
 */
export function freeFormArgs(s: string, options: Set<string>): { command: string; args: Record<string, string> } {
  const words = splitWords(s);
  const isOption = (w: Word) => {
    const m = KEY.exec(w.text);
    return !!m && options.has(m[1]);
  };
  let first = 0;
  let last = words.length;
  while (first < last && isOption(words[first])) first++;
  while (last > first && isOption(words[last - 1])) last--;
  const args: Record<string, string> = {};
  for (const w of [...words.slice(0, first), ...words.slice(last)]) {
    const m = KEY.exec(w.text)!;
    args[m[1]] = unquote(m[2]);
  }
  const command = first < last ? s.slice(words[first].start, words[last - 1].end) : "";
  return { command, args };
}
