// Role-shaped playbooks run by ansible-playbook 2.14 and by kplay on two fresh air-gapped nodes
// (test/harness/fresh-nodes.ts), twice each: the same exit status, the same recap on each run
// and the same node state after them (files with modes and owners, packages, enabled and active
// units). The roles under test/fixtures/roles/ are written here in the shape real roles have
// (defaults/, vars/Debian.yml, tasks/setup-Debian.yml, handlers, templates, meta dependencies,
// free-form arguments, OS-guarded tasks). KPLAY_EXTRA_ROLES=DIR adds every DIR/*.yml playbook
// as a case (real roles fetched into a scratch folder, never committed), probed under /etc. File
// contents are compared with each node's own address written NODE_IP.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeState, runOn, startFreshPair, type FreshPair, type StateProbe } from "../harness/fresh-nodes.js";

interface RoleCase extends StateProbe {
  name: string;
  dir: string;
  playbook: string;
  extraVars?: Record<string, unknown>;
  groups?: string[];
}

const FIXTURES = resolve(import.meta.dirname, "../fixtures/roles");
const ETC_IGNORED = ["/etc/ssh/ssh_host_*", "/etc/machine-id", "/etc/ld.so.cache", "/etc/hostname", "/etc/hosts"];

const CASES: RoleCase[] = [...ownCases(), ...extraCases(process.env.KPLAY_EXTRA_ROLES)];

function ownCases(): RoleCase[] {
  if (!existsSync(FIXTURES)) return [];
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".yml"))
    .map((f) => ({
      name: f.replace(/\.yml$/, ""),
      dir: FIXTURES,
      playbook: f,
      paths: ["/etc", "/opt/site", "/usr/local", "/srv"],
      ignore: ETC_IGNORED,
      groups: wordsOf(join(FIXTURES, f.replace(/\.yml$/, ".groups"))),
    }));
}

function extraCases(dir: string | undefined): RoleCase[] {
  if (!dir) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yml") && f !== "inv.yml")
    .map((f) => ({ name: `extra ${f}`, dir, playbook: f, paths: ["/etc", "/usr/local"], ignore: ETC_IGNORED }))
    .map((c) => ({
      ...c,
      groups: wordsOf(join(dir, c.playbook.replace(/\.yml$/, ".groups"))),
      unhashed: wordsOf(join(dir, c.playbook.replace(/\.yml$/, ".unhashed"))),
    }));
}

/**
 * Words of a file beside a scratch case's playbook, if any: PLAYBOOK.groups, the inventory groups
 * its node is in; PLAYBOOK.unhashed, paths whose content is made afresh on each node (keys).
 */
function wordsOf(file: string): string[] | undefined {
  return existsSync(file) ? readFileSync(file, "utf8").split(/\s+/).filter(Boolean) : undefined;
}

/** KPLAY_ROLES_LOGS=DIR keeps each case's whole outputs and node states there (to study a difference). */
function keepLogs(name: string, runs: Record<string, unknown[]>): void {
  const dir = process.env.KPLAY_ROLES_LOGS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  for (const [what, pairOf] of Object.entries(runs))
    pairOf.forEach((r, i) => {
      const text = typeof r === "string" ? r : (r as { output: string }).output;
      writeFileSync(join(dir, `${name.replace(/\W+/g, "_")}-${what}-${i ? "kplay" : "ansible"}.log`), text);
    });
}

// Two cases at a time (the integration project's maxConcurrency): each waits on its engines and
// nodes most of the time, and each has nodes, networks and a state directory of its own.
describe.concurrent("roles on fresh nodes: kplay against ansible-playbook", () => {
  for (const c of CASES) {
    it(c.name, { timeout: 600_000 }, async () => {
      const p = await startFreshPair();
      try {
        await compareRole(c, p);
      } finally {
        await p.destroy();
      }
    });
  }
});

async function compareRole(c: RoleCase, p: FreshPair): Promise<void> {
  const opts = { dir: c.dir, playbook: c.playbook, extraVars: c.extraVars, groups: c.groups };
  const first = await Promise.all([runOn(p, "ansible", opts), runOn(p, "kplay", opts)]);
  const second = await Promise.all([runOn(p, "ansible", opts), runOn(p, "kplay", opts)]);
  const states = await Promise.all([nodeState(p, "ansible", c), nodeState(p, "kplay", c)]);
  keepLogs(c.name, { first, second, states });
  const says = (i: number) =>
    `ansible:\n${first[0].output}\n${second[0].output}\nkplay:\n${first[1].output}\n${second[1].output}`.slice(-12000) +
    i;
  expect(first[1].outcome, says(1)).toBe(first[0].outcome);
  expect(first[1].recap, says(2)).toEqual(first[0].recap);
  expect(second[1].outcome, says(3)).toBe(second[0].outcome);
  expect(second[1].recap, says(4)).toEqual(second[0].recap);
  expect(states[1]).toEqual(states[0]);
}
