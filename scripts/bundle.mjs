// `npm run build`, after tsc: the CLI bundled into dist/kplay/ (kplay.mjs and its lazily loaded
// chunks), which bin/kplay.js runs while it is newer than the compiled dist/cli/main.js.
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleKplay } from "../dist/release/build.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist/kplay");
rmSync(out, { recursive: true, force: true });
await bundleKplay(root, out, { release: false });
