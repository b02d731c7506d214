// Owns how a command line is recorded (run.log's command_start, and from there `kplay report`'s
// list, header and page title): never the raw argv. An -e value is parsed and written back with
// its secrets masked (a JSON value's escaping would hide a secret from plain text masking), and
// every other word is masked as any output is.
import { parseExtraVars } from "../engine/vars.js";
import { MASK, type Redactor } from "./redact.js";

const EXTRA_VARS = new Set(["-e", "--extra-vars"]);

/** `kplay ARGV…` as recorded: secrets masked, words with spaces or quotes shell-quoted. */
export function recordedCommand(argv: readonly string[], redact: Redactor): string {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const joined = /^(--extra-vars=|-e(?!-))(.+)$/.exec(a);
    if (EXTRA_VARS.has(a) && i + 1 < argv.length) words.push(a, maskedExtraVars(argv[++i], redact));
    else if (joined) words.push(joined[1] + maskedExtraVars(joined[2], redact));
    else words.push(redact.text(a));
  }
  return ["kplay", ...words].map(quoted).join(" ");
}

/** One -e value with its secrets masked: @FILE as it is, JSON or key=value written again from what they set. */
function maskedExtraVars(value: string, redact: Redactor): string {
  if (value.startsWith("@")) return redact.text(value);
  try {
    const vars = parseExtraVars([value]);
    redact.addVars(vars);
    const masked = redact.value(vars);
    if (value.trim().startsWith("{")) return JSON.stringify(masked);
    return Object.entries(masked)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(" ");
  } catch {
    return MASK; // not readable as variables: nothing of it is kept
  }
}

function quoted(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
