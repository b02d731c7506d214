// `kplay inventory --list/--graph/--host` print exactly what ansible-inventory prints. The
// expected files were captured from Debian's ansible-core; when ansible-inventory is installed
// (CI installs it) the comparison is also made live against it.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { inventoryGraph, inventoryHost, inventoryList, loadInventory, sortedJson } from "../../src/inventory/index.js";

const F = join(import.meta.dirname, "../fixtures/inventory");
const CASES = [
  ["yaml", "yaml/hosts.yaml"],
  ["ini", "ini/inventory.ini"],
  ["dir", "dir"],
] as const;

function kplayViews(src: string) {
  const inv = loadInventory([join(F, src)]);
  return {
    list: sortedJson(inventoryList(inv)) + "\n",
    graph: inventoryGraph(inv) + "\n",
    host: sortedJson(inventoryHost(inv, "node4")) + "\n",
  };
}

let ansible = false;
try {
  execFileSync("ansible-inventory", ["--version"], { stdio: "ignore" });
  ansible = true;
} catch {
  if (process.env.CI) throw new Error("CI must have ansible-inventory installed (apt: ansible-core)");
}

describe.each(CASES)("%s inventory", (name, src) => {
  it("matches the captured ansible-inventory output", () => {
    const k = kplayViews(src);
    expect(k.list).toBe(readFileSync(join(F, `expected/${name}.list.json`), "utf8"));
    expect(k.graph).toBe(readFileSync(join(F, `expected/${name}.graph.txt`), "utf8"));
    expect(k.host).toBe(readFileSync(join(F, `expected/${name}.host-node4.json`), "utf8"));
  });

  it.skipIf(!ansible)("matches ansible-inventory run now", () => {
    const run = (...a: string[]) =>
      execFileSync("ansible-inventory", ["-i", join(F, src), ...a], {
        encoding: "utf8",
        env: { ...process.env, ANSIBLE_NOCOLOR: "1" },
      });
    const k = kplayViews(src);
    expect(k.list).toBe(run("--list"));
    expect(k.graph).toBe(run("--graph"));
    expect(k.host).toBe(run("--host", "node4"));
  });
});
