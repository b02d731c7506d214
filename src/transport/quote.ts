// Owns shell quoting: the one helper through which every value reaching a remote shell passes.
// POSIX single-quote form: safe for any byte string except NUL, which is rejected.

export function quote(value: string | number): string {
  const s = String(value);
  if (s.includes("\0")) throw new Error("shell argument contains a NUL byte");
  if (s !== "" && /^[A-Za-z0-9_\/.,:=@%+-]+$/.test(s)) return s;
  return "'" + s.replace(/'/g, "'\\''") + "'";
}

/** Quote every argument and join with spaces: argv → one shell command line. */
export function shellJoin(argv: Array<string | number>): string {
  return argv.map(quote).join(" ");
}
