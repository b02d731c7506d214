#!/usr/bin/env node
// kplay entry point. `npm run build` compiles src/ to dist/ and bundles the CLI into dist/kplay/
// (one file to load instead of some 300 modules: about half the start-up); the bundle runs while
// it is at least as new as the compiled code, else the compiled code does (a tsc-only build).
import { statSync } from "node:fs";

const mtime = (rel) => statSync(new URL(rel, import.meta.url), { throwIfNoEntry: false })?.mtimeMs ?? -1;
const bundled = mtime("../dist/kplay/kplay.mjs");
if (bundled >= 0 && bundled >= mtime("../dist/cli/main.js")) {
  await import("../dist/kplay/kplay.mjs"); // sets process.exitCode
} else {
  const { main } = await import("../dist/cli/main.js");
  process.exitCode = await main(process.argv.slice(2));
}
