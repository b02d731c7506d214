// Owns the CLI contract shared by every command: -i/-c/--sandbox, --limit, --forks, -e,
// --state-dir, --json, -v, --check, --diff, --accept-new-host-keys; parsed with node:util
// parseArgs, bad usage reported as exit 2.
import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { closest, KplayError } from "../errors.js";
import { whyUnreadable } from "../input-file.js";
import { isHostList, loadConfigInventory, loadInventory, type Inventory } from "../inventory/index.js";
import { sandboxDir } from "../sandbox/paths.js";

export const COMMON = {
  inventory: { type: "string", short: "i", multiple: true },
  config: { type: "string", short: "c" },
  sandbox: { type: "boolean" },
  "sandbox-name": { type: "string" },
  limit: { type: "string", short: "l" },
  forks: { type: "string", short: "f" },
  "extra-vars": { type: "string", short: "e", multiple: true },
  "state-dir": { type: "string" },
  json: { type: "boolean" },
  verbose: { type: "boolean", short: "v", multiple: true },
  check: { type: "boolean", short: "C" },
  diff: { type: "boolean", short: "D" },
  "accept-new-host-keys": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

export function parse<T extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: T, command: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    const ambiguous = /Option '(-{1,2}[^']+)' argument is ambiguous/.exec((e as Error).message);
    if (ambiguous)
      throw new KplayError(
        "usage",
        `${command}: ${ambiguous[1]} takes a value, and the word after it starts with "-"`,
        {
          hint: `write ${ambiguous[1]}=VALUE for a value that starts with "-"`,
        },
      );
    const msg = (e as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    const m = /Unknown option '(-{1,2}[^']+)'/.exec(msg);
    const hint = m ? closest(m[1].replace(/^-+/, ""), Object.keys(options)) : undefined;
    throw new KplayError("usage", `${command}: ${msg}`, {
      hint: hint ? `did you mean --${hint}?` : `see kplay ${command} --help`,
    });
  }
}

/** A command's words after its name: at most `max` (a stray word is a mistake, never ignored). */
export function words(command: string, positionals: string[], max: number): string[] {
  if (positionals.length > max)
    throw new KplayError(
      "usage",
      max === 0
        ? `${command} takes no arguments (got ${positionals.join(" ")})`
        : `${command} takes at most ${max} argument(s) (got ${positionals.join(" ")})`,
      { hint: `see kplay ${command} --help` },
    );
  return positionals;
}

export interface Common {
  inventory?: string[];
  config?: string;
  sandbox?: boolean;
  "sandbox-name"?: string;
  limit?: string;
  forks?: string;
  "extra-vars"?: string[];
  "state-dir"?: string;
  json?: boolean;
  verbose?: boolean[];
  check?: boolean;
  diff?: boolean;
  "accept-new-host-keys"?: boolean;
}

/** Where state lives: --state-dir, else the sandbox's dir, else .kplay/ beside the config or inventory. */
export function stateDir(o: Common): string {
  return checkStateDir(givenStateDir(o));
}

/** A state directory that is there must be a directory (a file, a loop of links is an input error). */
function checkStateDir(dir: string): string {
  const problem = notADirectory(dir);
  if (problem === "a file")
    throw new KplayError("input", `the state directory ${dir} is not a directory`, {
      where: { field: "--state-dir" },
      hint: "move the file away or give another --state-dir",
    });
  if (problem)
    throw new KplayError("input", `the state directory ${dir} cannot be used: ${problem}`, {
      where: { field: "--state-dir" },
    });
  return dir;
}

/**
 * Why a directory a command will make or use cannot be one: "a file" when something else is
 * there, why it cannot be looked at (a loop of links…), or undefined (a directory, or nothing yet).
 */
export function notADirectory(dir: string): string | undefined {
  try {
    return statSync(dir).isDirectory() ? undefined : "a file";
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ENOENT" ? undefined : whyUnreadable(e);
  }
}

function givenStateDir(o: Common): string {
  if (o["state-dir"] !== undefined && o["state-dir"].trim() === "")
    throw new KplayError("usage", "--state-dir: an empty path names no directory");
  if (o["state-dir"]) return resolve(o["state-dir"]);
  if (o.sandbox) return sandboxDir(baseStateDir(), o["sandbox-name"] ?? "default");
  // a host list (-i 'node1,node2,') is no file: its state goes where a run without one keeps it
  const src = o.config ?? o.inventory?.find((i) => !isHostList(i));
  if (src) return join(resolve(existsSync(src) && !src.endsWith("/") ? dirname(src) : src), ".kplay");
  return baseStateDir();
}

/** The sandbox registry lives under ./.kplay (or KPLAY_HOME). */
export function baseStateDir(): string {
  return resolve(process.env.KPLAY_HOME ?? ".kplay");
}

export function loadInv(o: Common): Inventory {
  const given = [o.inventory?.length ? "-i" : "", o.config ? "-c" : "", o.sandbox ? "--sandbox" : ""].filter(Boolean);
  if (given.length > 1)
    throw new KplayError("usage", `give only one of -i, -c and --sandbox (got ${given.join(", ")})`);
  if (o.config) return loadConfigInventory(o.config);
  if (o.inventory?.length) return loadInventory(o.inventory);
  if (o.sandbox) {
    const name = o["sandbox-name"] ?? "default";
    const dir = sandboxDir(baseStateDir(), name);
    const file = join(dir, "inventory.yml");
    if (!existsSync(file))
      throw new KplayError("usage", `sandbox "${name}" is not up`, { hint: "run: kplay sandbox up" });
    // The sandbox's config.yaml: its inventory plus the cluster variables.
    return existsSync(join(dir, "config.yaml")) ? loadConfigInventory(join(dir, "config.yaml")) : loadInventory([file]);
  }
  throw new KplayError("usage", "no inventory given", { hint: "pass -i INVENTORY, -c config.yaml or --sandbox" });
}

export function forks(o: Common): number {
  if (o.forks === undefined) return 10;
  const n = Number(o.forks);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new KplayError("usage", `--forks must be a whole number from 1 to 1000, got ${JSON.stringify(o.forks)}`);
  return n;
}

/**
 * Confirmation for a command that resets hosts: without a terminal it is a usage error (`what`,
 * "confirm with --yes"); on a terminal the user types "yes". False (and "nothing done") otherwise.
 */
export async function confirmReset(what: string, question: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new KplayError("usage", `${what}; confirm with --yes`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`${question}\nType "yes" to continue: `);
  rl.close();
  if (answer.trim() === "yes") return true;
  console.error("kplay: nothing done");
  return false;
}
