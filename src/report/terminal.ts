// Owns what reaches a terminal: text that may hold a node's output (stdout, error messages, file
// names) never carries a control sequence that would move the cursor, clear or retitle the
// screen, or write the clipboard. Every terminal writer passes its lines through terminalSafe;
// only colour (SGR, ESC [ … m, which kplay's own styling uses) goes through as it is.

/** A control character or an escape sequence that is not a colour: shown as \xNN instead. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /\x1b(?!\[[0-9;]{0,32}m)|[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f\x80-\x9f]/g;

/** `text` as a terminal may show it: newlines and tabs kept, other controls made visible. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
