// Owns receiving data on a node through the exec channel's stdin: written to a file and
// checked against the sha256 the controller computed, so a link cut mid-transfer (or a killed
// controller) leaves the partial data unused and the command failed, never a truncated file in
// place or a truncated script run.
import { createHash } from "node:crypto";
import { quote } from "./quote.js";

export const INCOMPLETE = "kplay: the data sent over SSH arrived incomplete (was the link cut?)";

export function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** sh: stdin → `fileExpr` (an sh word such as "$t"), verified; on mismatch remove it, exit 1. */
export function receiveStdin(fileExpr: string, sum: string): string {
  // ${h_%% *} rather than a pipe through cut: one fork fewer per transfer
  return `{ cat > ${fileExpr} && h_=$(sha256sum < ${fileExpr}) && [ "\${h_%% *}" = ${quote(sum)} ]; } || { rm -f ${fileExpr}; echo ${quote(INCOMPLETE)} >&2; exit 1; }`;
}
