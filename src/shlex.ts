// Owns splitting a command line into words the way POSIX shells and Python's shlex do (quotes
// group, backslash escapes outside single quotes, optional # comments); no expansion of any kind.
// Used for INI inventory lines, `command:` free form and ssh arguments.

export function shlexSplit(s: string, opts: { comments?: boolean } = {}): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: string | null = null;
  let started = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < s.length && /["\\$`]/.test(s[i + 1])) cur += s[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      started = true;
    } else if (c === "\\" && i + 1 < s.length) {
      cur += s[++i];
      started = true;
    } else if (/\s/.test(c)) {
      if (started) out.push(cur);
      cur = "";
      started = false;
    } else if (opts.comments && (c === "#" || c === ";") && !started) {
      break;
    } else {
      cur += c;
      started = true;
    }
  }
  if (quote) throw new Error("unterminated quote");
  if (started) out.push(cur);
  return out;
}
