// Writes the generated reference pages from the built code: `npm run docs`.
//   docs/reference/modules.md   the modules' arguments (test/modules/reference.test.ts checks it)
//   docs/reference/commands.md  every command's --help (test/cli/reference.test.ts checks it)
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { commandReference } from "../dist/cli/reference.js";
import { moduleReference } from "../dist/modules/reference.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const help = (argv) =>
  execFileSync(process.execPath, [join(root, "bin/kplay.js"), ...argv], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
writeFileSync(join(root, "docs/reference/modules.md"), moduleReference());
writeFileSync(join(root, "docs/reference/commands.md"), commandReference(help));
console.log("docs/reference/modules.md and docs/reference/commands.md written");
