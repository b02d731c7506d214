#!/usr/bin/env node
// kplay entry point: runs the compiled CLI (npm install / npm run build compiles src/ to dist/).
import { main } from "../dist/cli/main.js";
main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
