// `npm run release [-- --arch amd64,arm64] [--out DIR]`: builds kplay's self-contained releases
// (src/release/build.ts) and prints each tarball with its size and sha256.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { buildRelease, RELEASE_ARCHES, type ReleaseArch } from "./build.js";

const { values } = parseArgs({
  options: { arch: { type: "string", default: RELEASE_ARCHES.join(",") }, out: { type: "string", default: "release" } },
});
const arches = values.arch!.split(",").map((a) => a.trim());
for (const a of arches)
  if (!(RELEASE_ARCHES as readonly string[]).includes(a)) {
    console.error(`release: --arch ${a}: releases are for ${RELEASE_ARCHES.join(" and ")}`);
    process.exit(2);
  }
const root = resolve(import.meta.dirname, "../..");
const out = resolve(values.out!);
const files = await buildRelease({
  root,
  out,
  arches: arches as ReleaseArch[],
  cacheDir: resolve(out, ".cache"),
  log: (m) => console.error(`release: ${m}`),
});
for (const f of files) console.log(`${f.file}  ${(f.bytes / 1e6).toFixed(1)} MB  node ${f.node}  sha256 ${f.sha256}`);
