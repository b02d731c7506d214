// Owns reading a Python literal the way Ansible's templar does at the end of rendering a string
// (ansible_eval_concat: ast.literal_eval, with JSON's true/false/null read as Python's): strings,
// numbers, True/False/None, lists, tuples and dicts. Anything else (a name, an operator, a call,
// a set, a complex number) is not a literal, and the rendered text then stays text. Reading a
// literal never evaluates anything: a node's JSON becomes data, never code.

const NAMES: Record<string, unknown> = { True: true, False: false, None: null, true: true, false: false, null: null };
/** Python's one-character escapes (a backslash before a newline continues the line: nothing). */
export const PY_ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
};

/**
 * Python's escape at src[j] (a backslash) in a string literal: its text and where reading goes on;
 * undefined for a malformed \x/\u/\U or a \N{name} (Unicode's name table is not read here).
 * An unknown escape keeps its backslash, as in Python.
 */
export function unescapeAt(src: string, j: number): { text: string; next: number } | undefined {
  const c = src[j + 1];
  if (c === "\n") return { text: "", next: j + 2 };
  if (c in PY_ESCAPES) return { text: PY_ESCAPES[c], next: j + 2 };
  const hex = ({ x: 2, u: 4, U: 8 } as Record<string, number>)[c];
  if (hex) {
    const digits = src.slice(j + 2, j + 2 + hex);
    if (!new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(digits)) return undefined;
    return { text: String.fromCodePoint(parseInt(digits, 16)), next: j + 2 + hex };
  }
  const octal = /^[0-7]{1,3}/.exec(src.slice(j + 1))?.[0];
  if (octal) return { text: String.fromCodePoint(parseInt(octal, 8)), next: j + 1 + octal.length };
  if (c === "N") return undefined;
  return { text: `\\${c}`, next: j + 2 };
}

class NotALiteral extends Error {}

class LiteralReader {
  private i = 0;
  constructor(private readonly s: string) {}

  read(): unknown {
    const v = this.value();
    this.space();
    if (this.i !== this.s.length) throw new NotALiteral();
    return v;
  }

  /** Whitespace, line continuations and comments; newlines count only inside brackets in Python. */
  private space(): void {
    for (;;) {
      const c = this.s[this.i];
      if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f") this.i++;
      else if (c === "\\" && this.s[this.i + 1] === "\n") this.i += 2;
      else if (c === "#") while (this.i < this.s.length && this.s[this.i] !== "\n") this.i++;
      else return;
    }
  }

  private value(): unknown {
    this.space();
    const c = this.s[this.i];
    if (c === "[") return this.sequence("]");
    if (c === "(") return this.sequence(")");
    if (c === "{") return this.dict();
    if (c === "-" || c === "+") {
      // one sign on a number literal (literal_eval refuses --1 and -(1))
      this.i++;
      this.space();
      if (!/[0-9.]/.test(this.s[this.i] ?? "")) throw new NotALiteral();
      const n = this.number();
      return c === "-" ? -n : n;
    }
    if (c !== undefined && /[0-9.]/.test(c)) return this.number();
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i))?.[0];
    if (word && /^[rRuUbB]{1,2}$/.test(word) && /['"]/.test(this.s[this.i + word.length] ?? "")) return this.strings();
    if (c === "'" || c === '"') return this.strings();
    if (word && word in NAMES) {
      this.i += word.length;
      return NAMES[word];
    }
    throw new NotALiteral();
  }

  private sequence(close: string): unknown {
    this.i++;
    const out: unknown[] = [];
    let sawComma = false;
    for (;;) {
      this.space();
      if (this.s[this.i] === close) break;
      out.push(this.value());
      this.space();
      if (this.s[this.i] === ",") {
        this.i++;
        sawComma = true;
      } else if (this.s[this.i] !== close) throw new NotALiteral();
    }
    this.i++;
    // (x) is x itself in Python, not a tuple
    if (close === ")" && out.length === 1 && !sawComma) return out[0];
    return out;
  }

  private dict(): Record<string, unknown> {
    this.i++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.space();
      if (this.s[this.i] === "}") break;
      const key = this.value();
      this.space();
      // {a, b} is a set: not something Ansible's data can hold here
      if (this.s[this.i] !== ":") throw new NotALiteral();
      this.i++;
      if (key !== null && typeof key === "object") throw new NotALiteral();
      out[key === true ? "True" : key === false ? "False" : key === null ? "None" : String(key)] = this.value();
      this.space();
      if (this.s[this.i] === ",") this.i++;
      else if (this.s[this.i] !== "}") throw new NotALiteral();
    }
    this.i++;
    return out;
  }

  private number(): number {
    const rest = this.s.slice(this.i);
    const m =
      /^0[xX](_?[0-9a-fA-F])+|^0[oO](_?[0-7])+|^0[bB](_?[01])+/.exec(rest) ??
      /^((\d(_?\d)*)?\.\d(_?\d)*|\d(_?\d)*\.?)([eE][+-]?\d(_?\d)*)?/.exec(rest);
    if (!m || m[0] === "." || /^[jJ]/.test(rest.slice(m[0].length))) throw new NotALiteral();
    const text = m[0].replace(/_/g, "");
    // 0777 is a syntax error in Python 3 (only 0, 00… start with a zero)
    if (/^0\d/.test(text) && !/[.eE]/.test(text) && /[1-9]/.test(text)) throw new NotALiteral();
    this.i += m[0].length;
    if (/^0[xob]/i.test(text)) return parseInt(text.slice(2), { x: 16, o: 8, b: 2 }[text[1].toLowerCase()]);
    return Number(text);
  }

  /** One or more adjacent string literals, joined as Python joins them. */
  private strings(): string {
    let out = "";
    let kinds = "";
    do {
      const prefix = /^[rRuUbB]{0,2}/.exec(this.s.slice(this.i))![0];
      if (/[bB]/.test(prefix)) kinds += "b";
      else kinds += "s";
      this.i += prefix.length;
      out += this.string(/[rR]/.test(prefix));
      this.space();
    } while (/^[rRuUbB]{0,2}['"]/.test(this.s.slice(this.i)));
    // bytes and text cannot be joined in Python
    if (kinds.includes("b") && kinds.includes("s")) throw new NotALiteral();
    return out;
  }

  private string(rawString: boolean): string {
    const q = this.s.startsWith(this.s[this.i].repeat(3), this.i) ? this.s[this.i].repeat(3) : this.s[this.i];
    this.i += q.length;
    let out = "";
    for (;;) {
      if (this.i >= this.s.length) throw new NotALiteral();
      if (this.s.startsWith(q, this.i)) {
        this.i += q.length;
        return out;
      }
      const c = this.s[this.i];
      if (c === "\n" && q.length === 1) throw new NotALiteral();
      if (c !== "\\") {
        out += c;
        this.i++;
        continue;
      }
      const next = this.s[this.i + 1];
      if (next === undefined) throw new NotALiteral();
      if (rawString) {
        out += c + next;
        this.i += 2;
        continue;
      }
      out += this.escape();
    }
  }

  private escape(): string {
    const e = unescapeAt(this.s, this.i);
    if (!e) throw new NotALiteral();
    this.i = e.next;
    return e.text;
  }
}

/** The value of a Python literal, or undefined when the text is not one. */
export function literalEval(text: string): { value: unknown } | undefined {
  try {
    return { value: new LiteralReader(text).read() };
  } catch (e) {
    if (e instanceof NotALiteral) return undefined;
    throw e;
  }
}

/**
 * What Ansible's templar makes of a rendered string (ansible_eval_concat): text that looks like a
 * dict, a list or a bool and reads as a Python literal becomes that value; any other stays text.
 */
export function convertRendered(text: string): unknown {
  if (!(text.startsWith("{") || text.startsWith("[") || text === "True" || text === "False")) return text;
  const read = literalEval(text);
  return read ? read.value : text;
}
