// Owns where a sandbox keeps its files (kept apart from sandbox.ts so commands that only need
// the path do not load the container client).
import { resolve } from "node:path";

export function sandboxDir(stateDir: string, name: string): string {
  return resolve(stateDir, "sandbox", name);
}
