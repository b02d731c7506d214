// Ansible's recorded runs of the fresh-node role cases (test/integration/roles.test.ts).
//
// What ansible-playbook did with a role case — exit outcome and recap of both runs, and the node's
// state after them — is kept in test/integration/recordings/roles/NAME.json with the key of
// everything that run depended on: the ansible-core version, the node image (its recipe and the
// packages debootstrap put in it), the local apt repository's index, every file under the case's
// folder, the playbook, groups, variables and state probe, and this harness's own source (the
// inventory it writes and the state script). A case whose key differs from its recording's runs
// ansible-playbook on its own fresh node again and records it (KPLAY_RECORD=1 re-records every
// case), so kplay is always compared with a real Ansible run of that exact input on that exact
// node. CI does the same instead of failing: the image and the repository follow the Debian
// mirror they were built from, and a point release there is no defect here; CI then takes the
// time of a real Ansible run and says so.
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { nodeImageTag } from "../../src/sandbox/image.js";
import { FRESH_IMAGE_EXTRAS, type EngineRun, type StateProbe } from "./fresh-nodes.js";
import { roleRepoDir } from "./role-repo.js";

const run = promisify(execFile);
const RECORDINGS = resolve(import.meta.dirname, "../integration/recordings/roles");
const HARNESS = ["fresh-nodes.ts", "role-recordings.ts"].map((f) => resolve(import.meta.dirname, f));
/** The most of an engine's output a recording keeps (it is there to explain a difference). */
const OUTPUT_KEPT = 6000;

/** What one engine did with a case: both runs, then its node's state. */
export interface EngineSide {
  first: EngineRun;
  second: EngineRun;
  state: string;
}

/** A role case as its recording is keyed. */
export interface RecordedCase extends StateProbe {
  name: string;
  dir: string;
  playbook: string;
  extraVars?: Record<string, unknown>;
  groups?: string[];
}

interface Recording extends EngineSide {
  key: string;
  name: string;
  ansible: string;
}

let environment: Promise<string> | undefined;

/** The part of every key the cases share: Ansible's version, the node image and the repository. */
function environmentKey(): Promise<string> {
  environment ??= (async () => {
    const ansible = execFileSync("ansible-playbook", ["--version"], { encoding: "utf8" }).split("\n")[0];
    const image = nodeImageTag(FRESH_IMAGE_EXTRAS);
    const cat = ["run", "--rm", "--network", "none", "--entrypoint", "cat", image, "/var/lib/dpkg/status"];
    const status = (await run("docker", cat, { maxBuffer: 64 << 20 })).stdout;
    const h = createHash("sha256").update(`${ansible}\0${image}\0`).update(status);
    h.update(readFileSync(join(roleRepoDir(), "Packages")));
    for (const f of HARNESS) h.update(readFileSync(f));
    return `${ansible}\0${h.digest("hex")}`;
  })();
  return environment;
}

/** Every file under `dir` (sorted, with its path): the case's playbook and roles may read any of them. */
function hashTree(h: ReturnType<typeof createHash>, root: string, dir = root): void {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) hashTree(h, root, path);
    // of the mode, only what git keeps (the executable bit): a clone's umask decides the rest
    else h.update(`${relative(root, path)}\0${st.mode & 0o111 ? "x" : "-"}\0`).update(readFileSync(path));
  }
}

/** The key of a case: everything ansible-playbook's run of it depended on. */
export async function recordingKey(c: RecordedCase): Promise<string> {
  const h = createHash("sha256").update(await environmentKey());
  const { name, dir, playbook, extraVars, groups, paths, ignore, unhashed } = c;
  h.update(JSON.stringify({ name, playbook, extraVars, groups, paths, ignore, unhashed }));
  hashTree(h, dir);
  return h.digest("hex").slice(0, 32);
}

function fileOf(name: string): string {
  return join(RECORDINGS, `${name.replace(/[^\w.-]+/g, "_")}.json`);
}

/** Ansible's recorded side of a case, when one is kept under the case's current key (and KPLAY_RECORD is unset). */
export async function recordedSide(c: RecordedCase): Promise<EngineSide | undefined> {
  const file = fileOf(c.name);
  if (process.env.KPLAY_RECORD || !existsSync(file)) return undefined;
  const rec = JSON.parse(readFileSync(file, "utf8")) as Recording;
  if (rec.key !== (await recordingKey(c))) return undefined;
  const replayed = (r: EngineRun): EngineRun => ({ ...r, output: `(recorded) ${r.output}` });
  return { first: replayed(rec.first), second: replayed(rec.second), state: rec.state };
}

/** Keep Ansible's side of a case under its current key; returns a line saying so (for the test's log). */
export async function record(c: RecordedCase, side: EngineSide): Promise<string> {
  const key = await recordingKey(c);
  // the case's folder written DIR: a recording names no path of the machine it was made on
  const kept = (r: EngineRun): EngineRun => ({ ...r, output: r.output.split(c.dir).join("DIR").slice(-OUTPUT_KEPT) });
  const [ansible] = (await environmentKey()).split("\0");
  const rec: Recording = {
    key,
    name: c.name,
    ansible,
    first: kept(side.first),
    second: kept(side.second),
    state: side.state,
  };
  mkdirSync(RECORDINGS, { recursive: true });
  writeFileSync(fileOf(c.name), `${JSON.stringify(rec, null, 1)}\n`);
  return `roles: recorded ansible-playbook's run of ${c.name} (key ${key})`;
}
