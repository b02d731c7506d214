// Owns the node image: its tag (the hash of the recipe in node-image/, so a recipe change
// rebuilds) and building it once with node-image/build.sh (debootstrap -> docker import -> layer).
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { KplayError } from "../errors.js";
import { makeDirs } from "../make-dirs.js";

const run = promisify(execFile);
// The recipe stays in src/sandbox/node-image; find it from src/ (vitest), dist/ (the CLI) or bench/dist/.
const RECIPE_DIR = findRecipe(dirname(fileURLToPath(import.meta.url)));

function findRecipe(from: string): string {
  for (let d = from; ; d = dirname(d)) {
    const candidate = join(d, "src/sandbox/node-image");
    if (existsSync(join(candidate, "build.sh"))) return candidate;
    if (dirname(d) === d) return resolve(from, "../../src/sandbox/node-image");
  }
}

/** The image tag: hash of the recipe (and of the extra packages, for variants such as the benchmark's python3). */
export function nodeImageTag(extraPackages: string[] = []): string {
  const h = createHash("sha256");
  for (const f of readdirSync(RECIPE_DIR).sort()) h.update(f + "\0").update(readFileSync(join(RECIPE_DIR, f)));
  if (extraPackages.length) h.update("extra\0" + extraPackages.join(","));
  return `kplay-node:${h.digest("hex").slice(0, 12)}${extraPackages.length ? "-x" : ""}`;
}

export async function imageExists(tag: string): Promise<boolean> {
  try {
    await run("docker", ["image", "inspect", "--format", "{{.Id}}", tag]);
    return true;
  } catch {
    return false;
  }
}

/** Build the node image unless it exists. Serialised across processes with an exclusive lock file. */
export async function ensureNodeImage(
  log: (msg: string) => void = () => undefined,
  extraPackages: string[] = [],
): Promise<string> {
  const tag = nodeImageTag(extraPackages);
  if (await imageExists(tag)) return tag;
  const lockDir = join(tmpdir(), "kplay-image-build");
  makeDirs(lockDir);
  const lock = join(lockDir, tag.replace(/[^a-z0-9]/gi, "_") + ".lock");
  for (let waited = 0; ; waited += 2000) {
    try {
      closeSync(openSync(lock, "wx"));
      break;
    } catch {
      if (await imageExists(tag)) return tag;
      if (waited > 15 * 60_000) rmSync(lock, { force: true });
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    if (await imageExists(tag)) return tag;
    log(`building node image ${tag} (debootstrap bookworm; takes a minute or two, once)`);
    try {
      await run("sh", [join(RECIPE_DIR, "build.sh"), tag, extraPackages.join(",")], { maxBuffer: 16 << 20 });
    } catch (e) {
      const err = e as { stderr?: string; code?: number };
      throw new KplayError(
        "state",
        `building the node image failed: ${(err.stderr ?? "").trim().split("\n").slice(-5).join(" | ")}`,
        {
          hint: "it needs root, debootstrap, a running Docker engine and a reachable Debian package mirror",
          cause: e,
        },
      );
    }
    return tag;
  } finally {
    rmSync(lock, { force: true });
  }
}
