// Owns making a directory and its missing parents (mkdir -p). Node's own recursive mkdir never
// returns when the kernel answers ENOENT for a directory whose parent exists (procfs, sysfs):
// `--state-dir /proc/x` hung kplay for ever. Here each missing component is made once, in order,
// and the first refusal is thrown (ENOENT, EACCES, EROFS…) for the caller to word.
import { lstatSync, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

/** mkdir -p PATH (new directories get `mode`); the first directory made, as mkdirSync's recursive mode returns. */
export function makeDirs(path: string, mode?: number): string | undefined {
  const missing: string[] = [];
  for (let p = resolve(path); !isThere(p); p = dirname(p)) {
    missing.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir, mode === undefined ? undefined : { mode });
    } catch (e) {
      // made meanwhile by another process: fine when it is a directory
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || !statSync(dir).isDirectory()) throw e;
    }
  }
  return missing[0];
}

/** Something is at p (a dangling link counts: mkdir under it fails, as it should). */
function isThere(p: string): boolean {
  try {
    return lstatSync(p, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false; // cannot be looked at (a file in the way, no search right): mkdir will say why
  }
}
