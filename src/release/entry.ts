// The release's entry point (bundled by esbuild into dist/cli/kplay.mjs): the same CLI as bin/kplay.js.
import { main } from "../cli/main.js";

process.exitCode = await main(process.argv.slice(2));
