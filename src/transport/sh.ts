// Owns building every shell script kplay sends to a node. A script is an `Sh` value, made only
// by the `sh` tagged template: each interpolated string or number becomes one single-quoted
// word, a list becomes one word per element, and an `Sh` fragment is spliced as it is (it was
// built the same way). Connections accept only `Sh`, so a string can reach a node's shell only
// through this file. The builder also refuses (a programming error, caught by the golden-script
// tests) an interpolation placed inside quotes, where a quoted word would be taken apart again:
// `"${x}"` must be written `${x}` or as a variable assignment. The one escape is `raw("…")` with
// a string literal, greppable and rare (test/transport/sh.test.ts lists the allowed places).

const QUOTE_SAFE = /^[A-Za-z0-9_/.,:=@%+-]+$/;

/** One POSIX-sh word holding `value` literally (any bytes but NUL). */
/**
 * A value as it may stand in shell text at a point of the given quoting context: one quoted word
 * (a list: one per element) outside quotes, escaped inside double quotes, the quote closed and
 * reopened inside single quotes; undefined where no value may go (a comment, a here-document…).
 */
export function quoteIn(ctx: Ctx, value: string | readonly string[]): string | undefined {
  const text = typeof value === "string" ? value : value.join(" ");
  if (ctx === "plain" || ctx === "subst")
    return typeof value === "string" ? quoteWord(value) : value.map((v) => quoteWord(v)).join(" ");
  if (ctx === "double") return text.replace(/[\\$`"]/g, "\\$&");
  if (ctx === "single") return text.replace(/'/g, "'\\''");
  return undefined;
}

export function quoteWord(value: string | number): string {
  const s = String(value);
  if (s.includes("\0")) throw new Error("shell argument contains a NUL byte");
  if (s !== "" && QUOTE_SAFE.test(s)) return s;
  return "'" + s.replace(/'/g, "'\\''") + "'";
}

const brand = Symbol("kplay.sh");

/** A piece of shell built by `sh`: only its text goes to a node. */
export class Sh {
  readonly [brand] = true;
  /** True when the script holds a secret: it then reaches the node on stdin, never in argv. */
  readonly secret: boolean;
  private constructor(
    readonly text: string,
    secret: boolean,
  ) {
    this.secret = secret;
  }
  toString(): string {
    return this.text;
  }
  /** @internal Only this file makes Sh values. */
  static make(text: string, secret = false): Sh {
    return new Sh(text, secret);
  }
}

export type ShValue = string | number | Sh | Secret | ReadonlyArray<string | number>;

/** A value that must never show in a process list: quoted like any other, marks the script secret. */
export class Secret {
  constructor(readonly value: string) {}
  toString(): string {
    return "********";
  }
}

export function secret(value: string): Secret {
  return new Secret(value);
}

export function isSh(v: unknown): v is Sh {
  return v instanceof Sh;
}

/** Quote state at the end of each static part, computed once per call site. */
const contexts = new WeakMap<TemplateStringsArray, Ctx[]>();

export type Ctx =
  "plain" | "single" | "double" | "backtick" | "subst" | "comment" | "arithmetic" | "array" | "heredoc" | "backslash";

/** Where an interpolation stands in the template's text while it is scanned. */
const HOLE = "\u0000";

/**
 * Follows sh quoting through a template's static text and returns the context at each
 * interpolation point. `$(` opens a command substitution even inside double quotes; inside it
 * quoting starts afresh, so `"$(id -gn ${u})"` is fine. Only a plain word or a command
 * substitution takes a quoted word: a comment (a newline in the value would end it), a here-
 * document body (quotes are text there, $( ) is not), `$(( ))`, an array `=( )` and a word right
 * after a backslash (which would unquote it) are refused like quotes are.
 */
export function scan(strings: readonly string[]): Ctx[] {
  return new QuoteScanner(strings.join(HOLE)).run();
}

class QuoteScanner {
  private readonly stack: Ctx[] = ["plain"];
  private readonly out: Ctx[] = [];
  /** Here-documents opened on the current line: their bodies start at its end. */
  private readonly pending: Array<{ end: string; tabs: boolean }> = [];
  constructor(private readonly t: string) {}

  run(): Ctx[] {
    for (let j = 0; j < this.t.length; j++) j = this.step(j);
    return this.out;
  }

  private get top(): Ctx {
    return this.stack[this.stack.length - 1];
  }

  /** One character at `j`; returns the index of the last character it used. */
  private step(j: number): number {
    const { t, stack, top } = this;
    const c = t[j];
    if (c === HOLE) this.out.push(top);
    else if (top === "single") {
      if (c === "'") stack.pop();
    } else if (top === "comment") {
      if (c === "\n") {
        stack.pop();
        return this.bodies(j);
      }
    } else if (c === "\\") {
      if (t[j + 1] === HOLE) this.out.push("backslash");
      return j + 1;
    } else if (top === "double") {
      if (c === '"') stack.pop();
      else if (c === "`") stack.push("backtick");
      else if (c === "$" && t[j + 1] === "(") {
        stack.push("subst");
        return j + 1;
      }
    } else return this.unquoted(j);
    return j;
  }

  /** A character outside quotes (plain, $( ), $(( )), =( ), backticks). */
  private unquoted(j: number): number {
    const { t, stack, top } = this;
    const c = t[j];
    const nested = top === "subst" || top === "arithmetic" || top === "array";
    if (c === "'") stack.push("single");
    else if (c === '"') stack.push("double");
    else if (c === "`" && top === "backtick") stack.pop();
    else if (c === "`") stack.push("backtick");
    else if (c === "#" && (j === 0 || /[\s;&|()]/.test(t[j - 1]))) stack.push("comment");
    else if (c === "$" && t.startsWith("((", j + 1)) {
      stack.push("arithmetic", "arithmetic");
      return j + 2;
    } else if ((c === "$" || c === "=") && t[j + 1] === "(") {
      stack.push(c === "$" ? "subst" : "array");
      return j + 1;
    } else if (c === "(" && nested) stack.push(top);
    else if (c === ")" && nested) stack.pop();
    else if (c === "<" && t.startsWith("<", j + 1) && t[j + 2] !== "<" && top !== "arithmetic")
      return this.heredocOperator(j + 2);
    else if (c === "\n") return this.bodies(j);
    return j;
  }

  /** After `<<`: the delimiter (quoted or not; `-` strips tabs), remembered until the line ends. */
  private heredocOperator(from: number): number {
    const m = /^(-?)[ \t]*(?:'([^'\n]*)'|"([^"\n]*)"|\\?([A-Za-z_0-9]+))/.exec(this.t.slice(from, from + 200));
    if (!m) return from - 1;
    this.pending.push({ end: m[2] ?? m[3] ?? m[4], tabs: m[1] === "-" });
    return from + m[0].length - 1;
  }

  /** At a newline: the bodies of the here-documents opened on that line, each hole in them refused. */
  private bodies(nl: number): number {
    let at = nl;
    for (const { end, tabs } of this.pending.splice(0)) {
      for (;;) {
        const next = this.t.indexOf("\n", at + 1);
        const line = this.t.slice(at + 1, next < 0 ? this.t.length : next);
        at = next < 0 ? this.t.length : next;
        if ((tabs ? line.replace(/^\t+/, "") : line) === end || next < 0) break;
        for (const ch of line) if (ch === HOLE) this.out.push("heredoc");
      }
    }
    return at;
  }
}

function contextsOf(strings: TemplateStringsArray): Ctx[] {
  let c = contexts.get(strings);
  if (!c) contexts.set(strings, (c = scan(strings)));
  return c;
}

function word(v: ShValue): { text: string; secret: boolean } {
  if (v instanceof Sh) return { text: v.text, secret: v.secret };
  if (v instanceof Secret) return { text: quoteWord(v.value), secret: true };
  if (typeof v === "string" || typeof v === "number") return { text: quoteWord(v), secret: false };
  if (Array.isArray(v)) return { text: v.map(quoteWord).join(" "), secret: false };
  throw new Error(`sh: cannot interpolate ${v === null ? "null" : typeof v}`);
}

/** The quoting builder: sh`chown -- ${owner} "$p"`. */
export function sh(strings: TemplateStringsArray, ...values: ShValue[]): Sh {
  const ctx = contextsOf(strings);
  let text = strings[0];
  let secret = false;
  for (let i = 0; i < values.length; i++) {
    // $(( )) takes a number the builder wrote (an integer), never a word
    const number = ctx[i] === "arithmetic" && typeof values[i] === "number" && Number.isSafeInteger(values[i]);
    if (ctx[i] !== "plain" && ctx[i] !== "subst" && !number) {
      throw new Error(`sh: interpolation inside ${ctx[i]} quotes after ${JSON.stringify(strings[i].slice(-40))}`);
    }
    const w = word(values[i]);
    secret ||= w.secret;
    text += w.text + strings[i + 1];
  }
  return Sh.make(text, secret);
}

/** A fixed fragment of shell. Takes string literals only (test/transport/sh.test.ts checks). */
export function raw(literal: string): Sh {
  return Sh.make(literal);
}

/**
 * A script whose text the user wrote as shell on purpose (the `shell` and `raw` modules' command,
 * a task's `undo:`): taken as it is, since running it is the task. Values from nodes never reach
 * it as code: templates render them as data (see template/render.ts).
 */
export function userScript(text: string): Sh {
  return Sh.make(text);
}

/** A shell variable's name, checked to be one (so it can stand unquoted: `${shVar("t_1")}=1`). */
export function shVar(name: string): Sh {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`sh: not a variable name: ${JSON.stringify(name)}`);
  return Sh.make(name);
}

/** Fragments joined by a separator (newline by default); empty fragments are dropped. */
export function joinSh(
  parts: ReadonlyArray<Sh | undefined | false>,
  sep: "\n" | " " | "; " | " && " | " || " | "|" | "" = "\n",
): Sh {
  const kept = parts.filter((p): p is Sh => p instanceof Sh && p.text !== "");
  return Sh.make(
    kept.map((p) => p.text).join(sep),
    kept.some((p) => p.secret),
  );
}

/** Fragments run together with nothing between: one long line of script split in the source. */
export function catSh(...parts: Sh[]): Sh {
  return joinSh(parts, "");
}

/** An `Sh` when `cond` holds, else an empty fragment (for optional flags). */
export function when(cond: unknown, frag: Sh): Sh {
  return cond ? frag : Sh.make("");
}
