// Owns `kplay sandbox up|status|down`: a bootstrap node (the offline bundle mounted read-only)
// and N real Debian nodes on the local Docker engine, an SSH key, an inventory, a kubeplay-style
// config.yaml and a known_hosts (host keys read from the nodes themselves) written into the
// sandbox's state directory, and removal of exactly the containers and network it labelled.
// A running sandbox grows: `up` with more nodes adds them (in the inventory, in no cluster group)
// and `add-to-cluster` puts one in the cluster's groups, for add-node. Labels carry an id of the
// state directory, so the sandboxes of two checkouts on one Docker engine never see each other.
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseDocument, stringify } from "yaml";
import { KplayError } from "../errors.js";
import { newEd25519KeyPair } from "../transport/ssh-keys.js";
import { sha256Hex } from "../hash.js";
import { writeFileAtomic } from "../state/atomic.js";
import { sandboxDir } from "./paths.js";
import { ensureSandboxBundle, type BundleInfo } from "../bundle/sandbox-bundle.js";
import { ensureNodeImage } from "./image.js";
import {
  createNetwork,
  listContainers,
  listNetworks,
  removeContainers,
  removeNetworks,
  startNode,
  type NodeHandle,
} from "./nodes.js";
import { makeDirs } from "../make-dirs.js";

export const SANDBOX_LABEL = "kplay.sandbox";
export const ROLE_LABEL = "kplay.role";
/** An id of the state directory (the checkout's .kplay or KPLAY_HOME) a sandbox belongs to. */
export const HOME_LABEL = "kplay.sandbox.home";
/** The cluster groups `add-to-cluster` can put a sandbox node in. */
export type ClusterGroup = "kube_node" | "kube_control_plane" | "etcd";

/** The labels of one sandbox's containers and network: its name and its state directory's id. */
export function sandboxLabels(stateDir: string, name: string): Record<string, string> {
  return { [SANDBOX_LABEL]: name, [HOME_LABEL]: sha256Hex(resolve(stateDir)).slice(0, 10) };
}

/** Container and network names: unique per state directory, since Docker's names are global. */
function resourcePrefix(stateDir: string, name: string): string {
  return `kplay-${sandboxLabels(stateDir, name)[HOME_LABEL]}-${name}`;
}
/** Where the bootstrap node sees the sandbox bundle (mounted read-only). */
export const SANDBOX_BUNDLE_DIR = "/opt/kplay/bundle";

export interface SandboxInfo {
  name: string;
  dir: string;
  inventory: string;
  config: string;
  bundle: string;
  knownHosts: string;
  privateKey: string;
  network: { id: string; name: string };
  nodes: Array<{
    name: string;
    role: string;
    container: string;
    ssh: { host: string; port: number };
    ip: string;
    state?: string;
  }>;
}

export { sandboxDir } from "./paths.js";

export async function sandboxUp(
  stateDir: string,
  name: string,
  count: number,
  log: (m: string) => void,
): Promise<SandboxInfo> {
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(name))
    throw new KplayError("usage", `invalid sandbox name "${name}" (lowercase letters, digits, dashes)`);
  if (!Number.isInteger(count) || count < 1 || count > 250)
    throw new KplayError("usage", `--nodes must be between 1 and 250, got ${count}`);
  const labels = sandboxLabels(stateDir, name);
  if ((await listContainers(labels)).length > 0) return growSandbox({ stateDir, name, count, log });
  const dir = sandboxDir(stateDir, name);
  makeDirs(dir);
  const keyFile = join(dir, "id_ed25519");
  const pub = ensureKey(keyFile, name);
  const image = await ensureNodeImage(log);
  const bundle = await ensureSandboxBundle(join(stateDir, "sandbox", ".bundles"), image, log);
  const prefix = resourcePrefix(stateDir, name);
  const network = await createNetwork(prefix, labels);
  log(`starting a bootstrap node and ${count} node(s) from ${image}`);
  const names = Array.from({ length: count }, (_, i) => `node${i + 1}`);
  try {
    const nodes = await startNodes({ prefix, labels, names, image, network, pub, bundle });
    return writeSandboxFiles({ dir, name, keyFile }, network, nodes, bundle);
  } catch (e) {
    await removeContainers((await listContainers(labels)).map((c) => c.id));
    await removeNetworks([network.id]);
    throw e;
  }
}

/**
 * A sandbox that is up: as it is when it has `count` nodes (so the README command can be re-run),
 * with the missing nodes added when it has fewer; refused when a node is not running or when it
 * has more (`up` never removes a node).
 */
async function growSandbox(o: { stateDir: string; name: string; count: number; log: (m: string) => void }) {
  const { stateDir, name, count, log } = o;
  const info = await sandboxStatus(stateDir, name);
  const notRunning = info?.nodes.filter((n) => n.state !== "running").map((n) => `${n.name} (${n.state})`) ?? [];
  if (!info || notRunning.length)
    throw new KplayError("usage", `sandbox "${name}" is up but not every node is running: ${notRunning.join(", ")}`, {
      hint: `run "kplay sandbox down${nameFlag(name)}" and "kplay sandbox up" again`,
    });
  const have = info.nodes.filter((n) => n.role === "node");
  if (count === have.length) {
    log(`sandbox "${name}" is already up with ${count} node(s)`);
    return info;
  }
  if (count < have.length)
    throw new KplayError(
      "usage",
      `sandbox "${name}" has ${have.length} nodes; "sandbox up" adds nodes, never removes`,
      {
        hint:
          `take a node out of the cluster with "kplay remove-node NODE --sandbox", ` +
          `or start afresh with "kplay sandbox down"`,
      },
    );
  const last = Math.max(0, ...have.map((n) => Number(/^node(\d+)$/.exec(n.name)?.[1] ?? 0)));
  const names = Array.from({ length: count - have.length }, (_, i) => `node${last + i + 1}`);
  const image = await ensureNodeImage(log);
  const pub = ensureKey(info.privateKey, name);
  log(`adding ${names.join(", ")} to sandbox "${name}" (in the inventory, in no cluster group)`);
  const labels = sandboxLabels(stateDir, name);
  const prefix = resourcePrefix(stateDir, name);
  try {
    const added = await startNodes({ prefix, labels, names, image, network: info.network, pub });
    return recordAddedNodes(info, added);
  } catch (e) {
    const ours = new Set(names.map((n) => `${prefix}-${n}`));
    await removeContainers((await listContainers(labels)).filter((c) => ours.has(c.name)).map((c) => c.id));
    throw e;
  }
}

const nameFlag = (name: string) => (name === "default" ? "" : ` --name ${name}`);

/** The sandbox's SSH key (made once, 0600); returns the public key. */
function ensureKey(keyFile: string, name: string): string {
  if (!existsSync(keyFile)) {
    const kp = newEd25519KeyPair(`kplay-sandbox-${name}`);
    writeFileSync(keyFile, kp.private, { mode: 0o600 });
    writeFileSync(keyFile + ".pub", kp.public + "\n");
  }
  chmodSync(keyFile, 0o600);
  return readFileSync(keyFile + ".pub", "utf8").trim();
}

/**
 * The bootstrap node (when the bundle it serves is given), then the named nodes a few at a time
 * (each boots systemd). On failure the caller removes what was started.
 */
async function startNodes(o: {
  prefix: string;
  labels: Record<string, string>;
  names: string[];
  image: string;
  network: { id: string; name: string };
  pub: string;
  bundle?: BundleInfo;
}): Promise<NodeHandle[]> {
  const { prefix, labels, names, image, network, pub, bundle } = o;
  const nodes: NodeHandle[] = [];
  const common = { image, network, authorizedKey: pub };
  if (bundle)
    nodes.push(
      await startNode({
        ...common,
        name: "bootstrap",
        containerName: `${prefix}-bootstrap`,
        labels: { ...labels, [ROLE_LABEL]: "bootstrap" },
        readOnlyMounts: [{ source: bundle.dir, target: SANDBOX_BUNDLE_DIR }],
      }),
    );
  for (let i = 0; i < names.length; i += 8) {
    const batch = names
      .slice(i, i + 8)
      .map((n) =>
        startNode({ ...common, name: n, containerName: `${prefix}-${n}`, labels: { ...labels, [ROLE_LABEL]: "node" } }),
      );
    // every start of the batch settles before a failure is thrown: the caller removes them all
    const started = await Promise.allSettled(batch);
    for (const r of started) if (r.status === "fulfilled") nodes.push(r.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }
  return nodes;
}

/** The new nodes in known_hosts, in the inventory and config.yaml (in no group), and in sandbox.json. */
function recordAddedNodes(info: SandboxInfo, added: NodeHandle[]): SandboxInfo {
  const known = readFileSync(info.knownHosts, "utf8");
  writeFileAtomic(info.knownHosts, known + added.map((n) => `[${n.sshHost}]:${n.sshPort} ${n.hostKey}\n`).join(""));
  const hosts = added.map((n) => [n.name, { ansible_host: n.sshHost, ansible_port: n.sshPort, ip: n.ip }] as const);
  editYaml(info.inventory, (doc) => hosts.forEach(([h, v]) => doc.setIn(["all", "hosts", h], v)));
  editYaml(info.config, (doc) => hosts.forEach(([h, v]) => doc.setIn(["inventory", "all", "hosts", h], v)));
  const nodes = [
    ...info.nodes.map(({ state: _state, ...n }) => n),
    ...added.map((n) => ({
      name: n.name,
      role: "node",
      container: n.containerName,
      ssh: { host: n.sshHost, port: n.sshPort! },
      ip: n.ip,
    })),
  ];
  const next: SandboxInfo = { ...info, nodes };
  writeFileAtomic(join(info.dir, "sandbox.json"), JSON.stringify(next, null, 2) + "\n");
  return next;
}

/** Edit a YAML file in place, keeping its comments and layout; written atomically. */
function editYaml(file: string, change: (doc: ReturnType<typeof parseDocument>) => void): void {
  const doc = parseDocument(readFileSync(file, "utf8"));
  change(doc);
  writeFileAtomic(file, doc.toString());
}

/**
 * Put a sandbox node into cluster groups (kube_node always, etcd or the control plane when
 * asked) in the sandbox's inventory and config.yaml, so `kplay add-node NODE --sandbox` takes it.
 */
export function addToCluster(stateDir: string, name: string, node: string, groups: ClusterGroup[]): string[] {
  const file = join(sandboxDir(stateDir, name), "sandbox.json");
  if (!existsSync(file))
    throw new KplayError("usage", `sandbox "${name}" is not up`, { hint: "run: kplay sandbox up" });
  const info = JSON.parse(readFileSync(file, "utf8")) as SandboxInfo;
  const found = info.nodes.find((n) => n.name === node);
  if (!found || found.role !== "node") {
    const names = info.nodes.filter((n) => n.role === "node").map((n) => n.name);
    throw new KplayError("usage", `sandbox "${name}" has no node "${node}" (its nodes: ${names.join(", ")})`, {
      hint: `add nodes with "kplay sandbox up --nodes N"`,
    });
  }
  const all: ClusterGroup[] = ["kube_node", ...groups.filter((g) => g !== "kube_node")];
  editYaml(info.inventory, (doc) => all.forEach((g) => doc.setIn(["all", "children", g, "hosts", node], null)));
  editYaml(info.config, (doc) =>
    all.forEach((g) => doc.setIn(["inventory", "all", "children", g, "hosts", node], null)),
  );
  return all;
}

function writeSandboxFiles(
  at: { dir: string; name: string; keyFile: string },
  network: { id: string; name: string },
  all: NodeHandle[],
  bundle: BundleInfo,
): SandboxInfo {
  const { dir, name, keyFile } = at;
  const knownHosts = join(dir, "known_hosts");
  writeFileSync(knownHosts, all.map((n) => `[${n.sshHost}]:${n.sshPort} ${n.hostKey}`).join("\n") + "\n");
  const boot = all.find((n) => n.name === "bootstrap")!;
  const inventory = sandboxInventory(all, keyFile);
  const invFile = join(dir, "inventory.yml");
  writeFileSync(
    invFile,
    `# Written by "kplay sandbox up" for sandbox ${name}; removed by "kplay sandbox down".\n` + stringify(inventory),
  );
  const firstNode = all.find((n) => n !== boot)!;
  const config = sandboxConfig(inventory, { bootIp: boot.ip, apiserverIp: firstNode.ip });
  const configFile = join(dir, "config.yaml");
  writeFileSync(
    configFile,
    `# Written by "kplay sandbox up" for sandbox ${name} (bundle ${bundle.dir}).\n` +
      `# kplay deploy-cluster --sandbox  (or: kplay deploy-cluster -c ${configFile})\n` +
      stringify(config),
  );
  const info: SandboxInfo = {
    name,
    dir,
    inventory: invFile,
    config: configFile,
    bundle: bundle.dir,
    knownHosts,
    privateKey: keyFile,
    network,
    nodes: all.map((n) => ({
      name: n.name,
      role: n === boot ? "bootstrap" : "node",
      container: n.containerName,
      ssh: { host: n.sshHost, port: n.sshPort! },
      ip: n.ip,
    })),
  };
  writeFileSync(join(dir, "sandbox.json"), JSON.stringify(info, null, 2) + "\n");
  return info;
}

/** The sandbox's inventory: the first node is the control plane, the first three (or one) run etcd. */
function sandboxInventory(all: NodeHandle[], keyFile: string) {
  const boot = all.find((n) => n.name === "bootstrap")!;
  const nodes = all.filter((n) => n !== boot);
  const cp = [nodes[0].name];
  const etcd = nodes.slice(0, nodes.length >= 3 ? 3 : 1).map((n) => n.name);
  const hostsMap = (list: string[]) => Object.fromEntries(list.map((h) => [h, null]));
  return {
    all: {
      vars: { ansible_user: "root", ansible_ssh_private_key_file: keyFile },
      hosts: Object.fromEntries(
        all.map((n) => [n.name, { ansible_host: n.sshHost, ansible_port: n.sshPort, ip: n.ip }]),
      ),
      children: {
        bootstrap: { hosts: hostsMap([boot.name]) },
        kube_control_plane: { hosts: hostsMap(cp) },
        kube_node: { hosts: hostsMap(nodes.map((n) => n.name)) },
        etcd: { hosts: hostsMap(etcd) },
        k8s_cluster: { children: { kube_control_plane: null, kube_node: null } },
        calico_rr: { hosts: {} },
      },
    },
  };
}

/** The sandbox's config.yaml: kubeplay's format, for containers on this machine. */
function sandboxConfig(inventory: object, ips: { bootIp: string; apiserverIp: string }) {
  return {
    compose: {
      internal_ip: ips.bootIp,
      nginx_http_port: 8080,
      registry_domain: "kube.registry.local",
      bundle_dir: SANDBOX_BUNDLE_DIR,
    },
    kubespray: {
      kube_version: "v1.28.4",
      external_apiserver_access_ip: ips.apiserverIp,
      kube_network_plugin: "calico",
      container_manager: "containerd",
      etcd_deployment_type: "host",
    },
    inventory,
    default: {
      ntp_server: ["internal_ip"],
      registry_ip: "internal_ip",
      offline_resources_url: "internal_ip:nginx_http_port",
      image_repository: "library",
      generate_domain_crt: true,
      registry_https_port: 443,
      registry_push_port: 5000,
      // containers on this machine: no overlayfs on Docker's overlay2, no CAP_SYS_TIME
      containerd_snapshotter: "native",
      chrony_no_clock_control: true,
      // the stand-ins run no control plane images: the bundle carries none to check for
      upgrade_check_images: false,
    },
  };
}

export async function sandboxStatus(stateDir: string, name: string): Promise<SandboxInfo | undefined> {
  const dir = sandboxDir(stateDir, name);
  const file = join(dir, "sandbox.json");
  const containers = await listContainers(sandboxLabels(stateDir, name));
  if (!existsSync(file)) {
    if (containers.length === 0) return undefined;
    throw new KplayError("state", `sandbox "${name}" has ${containers.length} container(s) but no ${file}`, {
      hint: `run "kplay sandbox down --name ${name}" to remove them`,
    });
  }
  const info = JSON.parse(readFileSync(file, "utf8")) as SandboxInfo;
  const byName = new Map(containers.map((c) => [c.name, c]));
  for (const n of info.nodes) n.state = byName.get(n.container)?.state ?? "missing";
  return info;
}

export async function sandboxDown(stateDir: string, name: string): Promise<{ containers: number; networks: number }> {
  const labels = sandboxLabels(stateDir, name);
  const containers = await listContainers(labels);
  await removeContainers(containers.map((c) => c.id));
  const nets = await listNetworks(labels);
  await removeNetworks(nets.map((n) => n.id));
  const dir = sandboxDir(stateDir, name);
  // The nodes are gone, so is everything recorded about them (progress, host keys, certificates);
  // only the SSH key pair stays for the next sandbox of this name.
  if (existsSync(dir))
    for (const f of readdirSync(dir))
      if (!f.startsWith("id_ed25519")) rmSync(join(dir, f), { recursive: true, force: true });
  return { containers: containers.length, networks: nets.length };
}
