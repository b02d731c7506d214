// Role-shaped playbooks run by ansible-playbook 2.14 and by kplay on two fresh air-gapped nodes
// (test/harness/fresh-nodes.ts), twice each: the same exit status, the same recap on each run
// and the same node state after them (files with modes and owners, packages, enabled and active
// units). The roles under test/fixtures/roles/ are written here in the shape real roles have
// (defaults/, vars/Debian.yml, tasks/setup-Debian.yml, handlers, templates, meta dependencies,
// free-form arguments, OS-guarded tasks). KPLAY_EXTRA_ROLES=DIR adds every DIR/*.yml playbook
// as a case (real roles fetched into a scratch folder, never committed), probed under /etc. File
// contents are compared with each node's own address written NODE_IP. Ansible's side of an own
// case is replayed from its recording when nothing it depended on changed
// (test/harness/role-recordings.ts); scratch cases always run both engines.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  nodeState,
  runOn,
  startFreshPair,
  type Engine,
  type FreshPair,
  type StateProbe,
} from "../harness/fresh-nodes.js";
import { record, recordedSide, type EngineSide, type RecordedCase } from "../harness/role-recordings.js";

interface RoleCase extends RecordedCase, StateProbe {
  /** Ansible's side may be replayed from a recording (the project's own cases). */
  recorded: boolean;
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
      recorded: true,
      groups: wordsOf(join(FIXTURES, f.replace(/\.yml$/, ".groups"))),
    }));
}

function extraCases(dir: string | undefined): RoleCase[] {
  if (!dir) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yml") && f !== "inv.yml")
    .map((f) => ({ name: `extra ${f}`, dir, playbook: f, paths: ["/etc", "/usr/local"], ignore: ETC_IGNORED }))
    .map((c) => ({ ...c, recorded: false }))
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
function keepLogs(name: string, runs: Record<string, Array<string | { output: string }>>): void {
  const dir = process.env.KPLAY_ROLES_LOGS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  for (const [what, pairOf] of Object.entries(runs))
    pairOf.forEach((r, i) => {
      const text = typeof r === "string" ? r : r.output;
      writeFileSync(join(dir, `${name.replace(/\W+/g, "_")}-${what}-${i ? "kplay" : "ansible"}.log`), text);
    });
}

// Two cases at a time (the integration project's maxConcurrency): each waits on its engines and
// nodes most of the time, and each has nodes, networks and a state directory of its own.
describe.concurrent("roles on fresh nodes: kplay against ansible-playbook", () => {
  for (const c of CASES) {
    it(c.name, { timeout: 600_000 }, async () => {
      const recorded = c.recorded ? await recordedSide(c) : undefined;
      const p = await startFreshPair("node1", recorded ? ["kplay"] : ["ansible", "kplay"]);
      try {
        const [ansible, kplay] = await Promise.all([
          recorded ?? engineSide(c, p, "ansible"),
          engineSide(c, p, "kplay"),
        ]);
        if (!recorded && c.recorded) console.log(await record(c, ansible));
        compareSides(c, ansible, kplay);
      } finally {
        await p.destroy();
      }
    });
  }
});

/** One engine's two runs of a case on its own node, then that node's state. */
async function engineSide(c: RoleCase, p: FreshPair, engine: Engine): Promise<EngineSide> {
  const opts = { dir: c.dir, playbook: c.playbook, extraVars: c.extraVars, groups: c.groups };
  const first = await runOn(p, engine, opts);
  const second = await runOn(p, engine, opts);
  return { first, second, state: await nodeState(p, engine, c) };
}

function compareSides(c: RoleCase, ansible: EngineSide, kplay: EngineSide): void {
  keepLogs(c.name, {
    first: [ansible.first, kplay.first],
    second: [ansible.second, kplay.second],
    states: [ansible.state, kplay.state],
  });
  const says = (i: number) =>
    (
      `ansible:\n${ansible.first.output}\n${ansible.second.output}\n` +
      `kplay:\n${kplay.first.output}\n${kplay.second.output}`
    ).slice(-12000) + i;
  expect(kplay.first.outcome, says(1)).toBe(ansible.first.outcome);
  expect(kplay.first.recap, says(2)).toEqual(ansible.first.recap);
  expect(kplay.second.outcome, says(3)).toBe(ansible.second.outcome);
  expect(kplay.second.recap, says(4)).toEqual(ansible.second.recap);
  expect(kplay.state).toEqual(ansible.state);
}
