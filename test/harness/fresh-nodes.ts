// The fresh-node differential harness: one playbook run by ansible-playbook 2.14 on one fresh
// Debian 12 node and by kplay on another, twice each, then the nodes' real state compared —
// files under the paths a case names (type, mode, owner, group, content hash, link target), the
// installed packages and the enabled and active units — never the engines' wording.
//
// The two nodes are alike: the same image (python3 added, which ansible-playbook needs and kplay
// does not use), each alone on its own node network under the same host name, no route out, and
// apt pointed only at the same local repository (test/harness/role-repo.ts, built once by
// global-setup), so what one engine can install the other can too.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { nodeImageTag } from "../../src/sandbox/image.js";
import { newEd25519KeyPair } from "../../src/transport/ssh-keys.js";
import {
  createNetwork,
  removeContainers,
  removeNetworks,
  startNode,
  type NodeHandle,
} from "../../src/sandbox/nodes.js";
import { TEST_LABEL } from "./cluster.js";
import { ROLE_REPO_TARGET, roleRepoDir } from "./role-repo.js";
import { run as runCommand } from "./differential.js";

const run = promisify(execFile);
const KPLAY = resolve(import.meta.dirname, "../../bin/kplay.js");
/** The node image both engines' nodes start from: the test image with python3 for ansible-playbook. */
export const FRESH_IMAGE_EXTRAS = ["python3"];
const RECAP =
  /^(\S+)\s*: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)\s+rescued=(\d+)/gm;

export type Engine = "ansible" | "kplay";

export interface FreshPair {
  dir: string;
  key: string;
  /** One node per engine asked for (an engine replayed from its recording has none). */
  nodes: Partial<Record<Engine, NodeHandle>>;
  /** A shell command on an engine's node through docker exec (not through either engine). */
  sh(engine: Engine, cmd: string): Promise<string>;
  destroy(): Promise<void>;
}

/**
 * Fresh nodes named `host`, one per engine in `engines` (both unless told), each alone on its own
 * network, apt pointed at the local repository.
 */
export async function startFreshPair(host = "node1", engines: Engine[] = ["ansible", "kplay"]): Promise<FreshPair> {
  const id = randomBytes(4).toString("hex");
  const labels = { [TEST_LABEL]: id };
  const dir = mkdtempSync(join(tmpdir(), "kplay-fresh-"));
  const kp = newEd25519KeyPair();
  const key = join(dir, "id_ed25519");
  writeFileSync(key, kp.private, { mode: 0o600 });
  const ids: string[] = [];
  const nets: string[] = [];
  const destroy = async () => {
    await removeContainers(ids);
    await removeNetworks(nets);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const start = async (engine: Engine): Promise<NodeHandle> => {
      const network = await createNetwork(`kplay-fresh-${id}-${engine}`, labels);
      nets.push(network.id);
      const node = await startNode({
        image: nodeImageTag(FRESH_IMAGE_EXTRAS),
        network,
        labels,
        authorizedKey: kp.public,
        name: host,
        containerName: `kplay-fresh-${id}-${engine}`,
      });
      ids.push(node.containerId);
      await pointAptAtRepo(node);
      return node;
    };
    const nodes: FreshPair["nodes"] = {};
    await Promise.all(engines.map(async (e) => (nodes[e] = await start(e))));
    const sh = async (engine: Engine, cmd: string) => {
      const r = await nodeOf({ nodes }, engine).container.exec(["sh", "-c", cmd]);
      if (r.exitCode !== 0) throw new Error(`${engine} node: ${cmd}: exit ${r.exitCode}: ${r.output}`);
      return r.output;
    };
    return { dir, key, nodes, sh, destroy };
  } catch (e) {
    await destroy();
    throw e;
  }
}

/** The node an engine runs on in this pair (a pair started without it has none). */
function nodeOf(pair: Pick<FreshPair, "nodes">, engine: Engine): NodeHandle {
  const node = pair.nodes[engine];
  if (!node) throw new Error(`this pair has no node for ${engine}`);
  return node;
}

/** The node's only apt source: the local repository, as an air-gapped site has it. */
async function pointAptAtRepo(node: NodeHandle): Promise<void> {
  await run("docker", ["cp", `${roleRepoDir()}/.`, `${node.containerId}:${ROLE_REPO_TARGET}`]);
  const setup = [
    "rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*",
    `echo 'deb [trusted=yes] file:${ROLE_REPO_TARGET} ./' > /etc/apt/sources.list.d/local.list`,
  ].join(" && ");
  const r = await node.container.exec(["sh", "-c", setup]);
  if (r.exitCode !== 0) throw new Error(`apt source on ${node.name}: ${r.output}`);
}

export interface EngineRun {
  /** The exit status. The engines' codes differ (a failed host: 2 for Ansible, 1 for kplay). */
  status: number | null;
  /** "ok" (exit 0) or "failed": what the comparison holds the engines to. */
  outcome: "ok" | "failed";
  recap: string[];
  output: string;
}

export interface RunOptions {
  /** The folder holding the playbook, its roles/ and files (used as it is by both engines). */
  dir: string;
  playbook: string;
  /** Extra variables for both engines (-e as JSON). */
  extraVars?: Record<string, unknown>;
  /** Inventory groups the node is in (kubespray's plays name kube_control_plane, etcd…). */
  groups?: string[];
}

/** Run the playbook with one engine against its node; the recap lines and the exit status. */
export async function runOn(pair: FreshPair, engine: Engine, o: RunOptions): Promise<EngineRun> {
  const node = nodeOf(pair, engine);
  const inv = join(pair.dir, `inventory-${engine}.ini`);
  const groups = (o.groups ?? []).map((g) => `[${g}]\n${node.name}\n`).join("");
  writeFileSync(
    inv,
    `${node.name} ansible_host=127.0.0.1 ansible_port=${node.sshPort} ansible_user=root ` +
      `ansible_ssh_private_key_file=${pair.key} ansible_python_interpreter=/usr/bin/python3\n${groups}`,
  );
  const state = join(pair.dir, "state");
  if (engine === "kplay") {
    // kplay's known_hosts lives in its state directory; the node's key is known from its start
    mkdirSync(state, { recursive: true, mode: 0o700 });
    writeFileSync(join(state, "known_hosts"), `[127.0.0.1]:${node.sshPort} ${node.hostKey}\n`, { mode: 0o600 });
  }
  const args = ["-i", inv, join(o.dir, o.playbook)];
  if (o.extraVars) args.push("-e", JSON.stringify(o.extraVars));
  const r =
    engine === "ansible"
      ? await runCommand("ansible-playbook", args, { cwd: o.dir, env: ANSIBLE_ENV, limitMs: ENGINE_LIMIT_MS })
      : await runCommand(process.execPath, [KPLAY, "run", ...args, "--state-dir", state], {
          cwd: o.dir,
          limitMs: ENGINE_LIMIT_MS,
        });
  const recap = [...r.stdout.matchAll(RECAP)].map((m) => m.slice(1).join(" "));
  const outcome = r.status === 0 ? "ok" : "failed";
  return { status: r.status, outcome, recap, output: r.stdout + r.stderr };
}

/** Ansible on a fresh node: no host key known beforehand, no retry files. */
const ANSIBLE_ENV = { ANSIBLE_HOST_KEY_CHECKING: "False", ANSIBLE_RETRY_FILES_ENABLED: "False" };
/** A real role on a fresh node may run for many minutes (its test says how long it may take). */
const ENGINE_LIMIT_MS = 1_800_000;

/** What a node's state is compared by: the files under these paths, packages, units. */
export interface StateProbe {
  paths: string[];
  /** Paths (glob patterns of find -path) left out: logs, caches, what changes by itself. */
  ignore?: string[];
  /** Paths (find -path patterns) compared without their content: keys and certificates made afresh. */
  unhashed?: string[];
}

/**
 * Packages ansible-playbook installs for itself: its apt module needs python3-apt and installs it
 * (with --no-install-recommends) on a node that lacks it — an engine's own need, not the
 * playbook's work. python3-apt's recommends (iso-codes, lsb-release) follow from that too: a role
 * that later installs a package depending on python3-apt gets them under kplay (python3-apt new
 * then, its recommends with it) and not under Ansible (python3-apt there already).
 */
const ENGINE_PACKAGES = ["python3-apt", "python-apt-common", "distro-info-data", "iso-codes", "lsb-release"];
const ALWAYS_IGNORED = ["/var/log/*", "/var/cache/*", "/var/lib/apt/*", "/var/lib/dpkg/*", "*/__pycache__*"];

/**
 * Day-dependent fields blanked before hashing, so a recorded state compares on another day:
 * the date of the last password change in shadow files (days since 1970, set by useradd).
 */
const DATED = `{ case "$p" in */shadow|*/shadow-) awk -F: -v OFS=: 'NF > 2 { $3 = "DAY" } { print }' ;; *) cat ;; esac; }`;

/**
 * The node's state as one text: a line per file (type, mode, owner:group, sha256 or link
 * target), the installed packages with versions, the enabled and the active units.
 */
export async function nodeState(pair: FreshPair, engine: Engine, probe: StateProbe): Promise<string> {
  const prune = [...ALWAYS_IGNORED, ...(probe.ignore ?? [])].map((p) => `-path '${p}' -prune -o`).join(" ");
  // a file's content is hashed with the node's own address written NODE_IP: the two nodes differ in it
  const line = (mark: string) => `-printf '${mark} %y %m %u:%g %p %l\\n'`;
  const unhashed = (probe.unhashed ?? []).map((p) => `-path '${p}' ${line("U")} -o`).join(" ");
  const files = probe.paths
    .map(
      (p) =>
        `[ -e '${p}' ] || [ -L '${p}' ] && find '${p}' ${prune} \\( ${unhashed} ${line("H")} \\) ` +
        `| while read -r u t m o p l; do h=; ` +
        `[ "$t" = f ] && [ "$u" = H ] && h=$(sed "s/$ip_/NODE_IP/g" "$p" | ${DATED} | sha256sum | cut -c1-16); ` +
        `echo "$t $m $o $p $l$h"; done`,
    )
    .join("; ");
  const script = [
    `ip_=$(hostname -I | awk '{print $1}' | sed 's/[.]/[.]/g'); [ -n "$ip_" ] || ip_=no-address`,
    `echo '# files'; { ${files || "true"}; } | sort`,
    "echo '# packages'; dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${Version}\\n' " +
      `| grep -Ev ' (${ENGINE_PACKAGES.join("|")}) ' | sort`,
    "echo '# enabled units'; systemctl list-unit-files --state=enabled --no-legend --plain | awk '{print $1}' | sort",
    "echo '# active services'; systemctl list-units --type=service --state=active --no-legend --plain " +
      "| awk '{print $1}' | sort",
  ].join("; ");
  return pair.sh(engine, script);
}
