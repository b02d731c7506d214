// Owns receiving data on a node through the exec channel's stdin: written to a file and
// checked against the sha256 the controller computed, so a link cut mid-transfer (or a killed
// controller) leaves the partial data unused and the command failed, never a truncated file in
// place or a truncated script run.
import { catSh, raw, sh, type Sh } from "./sh.js";

export const INCOMPLETE = "kplay: the data sent over SSH arrived incomplete (was the link cut?)";

/** sh: stdin → the file named by `fileExpr` (an sh word such as "$t"), verified; on mismatch remove it, exit 1. */
export function receiveStdin(fileExpr: Sh, sum: string): Sh {
  // ${h_%% *} rather than a pipe through cut: one fork fewer per transfer
  return catSh(
    sh`{ cat > ${fileExpr} && h_=$(sha256sum < ${fileExpr}) && [ "\${h_%% *}" = ${sum} ]; } || `,
    sh`{ rm -f -- ${fileExpr}; echo ${INCOMPLETE} >&2; exit 1; }`,
  );
}

/** The sh word "$t": a shell variable holding a path. */
export const T_VAR = raw('"$t"');
