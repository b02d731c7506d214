// docs/reference/commands.md is kplay's own --help texts, gathered by running the built CLI: the
// committed page must be what kplay prints now (run `npm run docs` after changing a help text).
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { commandReference, listedCommands } from "../../src/cli/reference.js";

const BIN = join(import.meta.dirname, "../../bin/kplay.js");
const run = promisify(execFile);
const env = { ...process.env, NO_COLOR: "1" };

/** Every help text the page needs, read by running kplay, the processes of each level at once. */
async function helpTexts(): Promise<(argv: string[]) => string> {
  const texts = new Map<string, string>();
  const read = async (argv: string[]) =>
    texts.set(argv.join(" "), (await run(process.execPath, [BIN, ...argv], { env })).stdout);
  await read(["--help"]);
  const commands = listedCommands(texts.get("--help")!);
  await Promise.all(commands.map((c) => read([c, "--help"])));
  const subs = commands.flatMap((c) => listedCommands(texts.get(`${c} --help`)!).map((s) => [c, s]));
  await Promise.all(subs.map((cs) => read([...cs, "--help"])));
  return (argv) => texts.get(argv.join(" ")) ?? "";
}

describe("docs/reference/commands.md", () => {
  it(
    "is what kplay prints now for every command and subcommand (npm run docs rewrites it)",
    { timeout: 180_000 },
    async () => {
      const page = readFileSync(join(import.meta.dirname, "../../docs/reference/commands.md"), "utf8");
      const help = await helpTexts();
      const now = commandReference(help);
      expect(page, "docs/reference/commands.md is stale: run npm run docs").toBe(now);
      for (const cmd of listedCommands(help(["--help"]))) expect(now).toContain(`\n## kplay ${cmd}\n`);
      expect(now).toContain("\n### kplay bundle build\n");
      expect(now).toContain("\n### kplay images push\n");
    },
  );

  it("reads the commands a help text lists, and nothing past the list", () => {
    const text = "Usage: x\n\nCommands:\n  list     one\n  build    two\n\n  later    not listed\n";
    expect(listedCommands(text)).toEqual(["list", "build"]);
    expect(listedCommands("Commands:\n  a  b\n")).toEqual([]); // the heading starts a line after text
  });
});
