// Owns the rules every file a command writes for the user follows (backup --out, report --html,
// etcd backup --out): judged before anything is read from nodes or state, so a refusal writes
// nothing. An output never replaces one of the command's inputs, never an existing file without
// --force, and never a directory; its directory must exist. The write itself is atomic.
import { realpathSync, statSync, type Stats } from "node:fs";
import { dirname, resolve } from "node:path";
import { KplayError } from "../errors.js";

export interface OutputRules {
  /** The flag the path was given with, for the message ("--out"). */
  flag: string;
  /** Files the command reads: never written over, --force or not. */
  inputs?: Array<string | undefined>;
  /** Replace an existing file. */
  force?: boolean;
}

/** The absolute path to write, or a usage error naming the flag and why. */
export function checkOutputFile(path: string, rules: OutputRules): string {
  const { flag } = rules;
  const refuse = (why: string, hint?: string) => new KplayError("usage", `${flag} ${path}: ${why}`, { hint });
  if (path.trim() === "") throw refuse("an empty path");
  const abs = resolve(path);
  const dir = dirname(abs);
  const dirSt = statOf(dir);
  if (!dirSt) throw refuse(`the directory ${dirname(path)} does not exist`);
  if (!dirSt.isDirectory()) throw refuse(`${dirname(path)} is not a directory`);
  const st = statOf(abs);
  if (!st) return abs;
  if (st.isDirectory()) throw refuse("is a directory", "name a file to write");
  if (!st.isFile()) throw refuse("is not a regular file");
  for (const input of rules.inputs ?? []) {
    const inSt = input ? statOf(resolve(input)) : undefined;
    if (inSt && inSt.dev === st.dev && inSt.ino === st.ino)
      throw refuse("is an input of this command: writing it would destroy it", "name another file");
  }
  if (!rules.force) throw refuse("the file exists", "give --force to replace it, or name another file");
  return realpathSync(abs);
}

function statOf(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}
