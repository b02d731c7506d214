// Owns kplay's one error class. Every failure kplay reports is a KplayError that keeps its
// `cause`, knows its exit code (2 = bad input/usage, 1 = a host failed) and, for input errors,
// where in which file the problem is. Messages never contain secrets: callers pass redacted text.

/**
 * input/usage: what the user wrote is wrong (exit 2); busy: another kplay holds the state
 * directory (exit 2: nothing was done, try again later); host/state/internal: exit 1.
 */
export type ErrorKind = "input" | "usage" | "busy" | "host" | "state" | "internal";

export interface Where {
  file?: string;
  line?: number;
  column?: number;
  field?: string;
}

export class KplayError extends Error {
  readonly kind: ErrorKind;
  readonly where: Where;
  readonly hint?: string;

  constructor(kind: ErrorKind, message: string, opts: { where?: Where; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "KplayError";
    this.kind = kind;
    this.where = opts.where ?? {};
    this.hint = opts.hint;
  }

  get exitCode(): number {
    return this.kind === "input" || this.kind === "usage" || this.kind === "busy" ? 2 : 1;
  }

  /** file:line:column of what is wrong ("" when no file is known). */
  get location(): string {
    const w = this.where;
    return w.file ? `${w.file}${w.line ? `:${w.line}${w.column ? `:${w.column}` : ""}` : ""}` : "";
  }

  /** "file:line:col: field: message (hint)" — the one-line form printed to users. */
  describe(): string {
    const w = this.where;
    const loc = this.location ? `${this.location}: ` : "";
    const field = w.field ? `${w.field}: ` : "";
    return `${loc}${field}${this.message}${this.hint ? ` (${this.hint})` : ""}`;
  }
}

/**
 * Module arguments the module refuses when the task runs: the task fails with the module's own
 * words as msg, as Ansible's (playbooks test them: `msg == 'missing required arguments: path'`),
 * and where the task is written beside it.
 */
export class ArgumentError extends KplayError {
  constructor(message: string, where: Where) {
    super("input", message, { where });
  }
}

export const inputError = (message: string, where: Where = {}, hint?: string): KplayError =>
  new KplayError("input", message, { where, hint });

/** Closest candidate by edit distance, for "did you mean" hints; undefined when nothing is close. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const w = word.toLowerCase();
  for (const c of candidates) {
    // Ties on edit distance go to the candidate that holds more of the word's letters.
    const lc = c.toLowerCase();
    const shared = [...w].filter((ch) => lc.includes(ch)).length / Math.max(1, w.length);
    const d = editDistance(w, lc) - shared * 0.5;
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

const FS_WORDS: Record<string, string> = {
  ENOENT: "no such file or directory",
  EISDIR: "is a directory, not a file",
  ENOTDIR: "a part of the path is not a directory",
  ELOOP: "a loop of symbolic links",
  EACCES: "permission denied",
  EPERM: "operation not permitted (an immutable or foreign file?)",
  EEXIST: "already exists",
  EROFS: "on a read-only file system",
  ENAMETOOLONG: "the path is too long",
  ENOSPC: "no space left on the device",
  EDQUOT: "over the disk quota",
};

/**
 * A file system error on a path the user named or kplay keeps (a directory where a file belongs,
 * a symlink loop, an immutable journal) in plain words naming the path: exit 2, as it is the
 * machine's set-up to mend, not a failure of kplay; a full disk is exit 1. Undefined otherwise.
 */
export function fileSystemError(e: unknown): KplayError | undefined {
  const err = e as NodeJS.ErrnoException;
  if (!err || typeof err !== "object" || typeof err.code !== "string" || typeof err.path !== "string") return;
  const words = FS_WORDS[err.code];
  if (!words) return;
  const kind = err.code === "ENOSPC" || err.code === "EDQUOT" ? "state" : "input";
  return new KplayError(kind, words, { where: { file: err.path }, cause: e });
}
