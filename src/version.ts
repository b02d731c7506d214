// Owns where kplay's own installation is (a checkout or an unpacked release: the same layout,
// package.json, playbooks/ and release/ at its root) and its version.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The installation's root: dist/<this file> in a checkout, dist/cli/kplay.mjs in a release. */
export const KPLAY_ROOT = fileURLToPath(import.meta.url.replace(/\/dist\/[^/]+(\/[^/]+)?$/, "/"));

export function kplayVersion(): string {
  const pkg = JSON.parse(readFileSync(`${KPLAY_ROOT}package.json`, "utf8")) as { version: string };
  return pkg.version;
}
