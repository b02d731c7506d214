// Owns `kplay sandbox up|status|down`: a bootstrap node (the offline bundle mounted read-only)
// and N real Debian nodes on the local Docker engine, an SSH key, an inventory, a kubeplay-style
// config.yaml and a known_hosts (host keys read from the nodes themselves) written into the
// sandbox's state directory, and removal of exactly the containers and network it labelled.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ssh2 from "ssh2";
import { stringify } from "yaml";
import { KplayError } from "../errors.js";
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

export const SANDBOX_LABEL = "kplay.sandbox";
export const ROLE_LABEL = "kplay.role";
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
  const up = await alreadyUp(stateDir, name, count);
  if (up) {
    log(`sandbox "${name}" is already up with ${count} node(s)`);
    return up;
  }
  const dir = sandboxDir(stateDir, name);
  mkdirSync(dir, { recursive: true });
  const keyFile = join(dir, "id_ed25519");
  const pub = ensureKey(keyFile, name);
  const image = await ensureNodeImage(log);
  const bundle = await ensureSandboxBundle(join(stateDir, "sandbox", ".bundles"), image, log);
  const labels = { [SANDBOX_LABEL]: name };
  const network = await createNetwork(`kplay-${name}`, labels);
  log(`starting a bootstrap node and ${count} node(s) from ${image}`);
  const nodes = await startNodes({ name, count, image, network, pub, bundle });
  return writeSandboxFiles({ dir, name, keyFile }, network, nodes, bundle);
}

/**
 * The sandbox when it is up already with the same shape (so the README command can be re-run);
 * undefined when it has no containers; refused when it is up in another shape or state.
 */
async function alreadyUp(stateDir: string, name: string, count: number): Promise<SandboxInfo | undefined> {
  const existing = await listContainers(SANDBOX_LABEL, name);
  if (existing.length === 0) return undefined;
  const info = await sandboxStatus(stateDir, name).catch(() => undefined);
  const same = info?.nodes.length === count + 1 && existing.length === count + 1;
  if (info && same && info.nodes.every((n) => n.state === "running")) return info;
  throw new KplayError("usage", `sandbox "${name}" already has ${existing.length} node(s) in another shape or state`, {
    hint: `run "kplay sandbox status" to see them or "kplay sandbox down" first`,
  });
}

/** The sandbox's SSH key (made once, 0600); returns the public key. */
function ensureKey(keyFile: string, name: string): string {
  if (!existsSync(keyFile)) {
    const kp = ssh2.utils.generateKeyPairSync("ed25519", { comment: `kplay-sandbox-${name}` });
    writeFileSync(keyFile, kp.private, { mode: 0o600 });
    writeFileSync(keyFile + ".pub", kp.public + "\n");
  }
  chmodSync(keyFile, 0o600);
  return readFileSync(keyFile + ".pub", "utf8").trim();
}

/** The bootstrap node, then the nodes a few at a time (each boots systemd); on failure nothing is left. */
async function startNodes(o: {
  name: string;
  count: number;
  image: string;
  network: { id: string; name: string };
  pub: string;
  bundle: BundleInfo;
}): Promise<NodeHandle[]> {
  const { name, count, image, network, pub, bundle } = o;
  const labels = { [SANDBOX_LABEL]: name };
  const nodes: NodeHandle[] = [];
  try {
    nodes.push(
      await startNode({
        image,
        name: "bootstrap",
        containerName: `kplay-${name}-bootstrap`,
        network,
        labels: { ...labels, [ROLE_LABEL]: "bootstrap" },
        authorizedKey: pub,
        readOnlyMounts: [{ source: bundle.dir, target: SANDBOX_BUNDLE_DIR }],
      }),
    );
    const names = Array.from({ length: count }, (_, i) => `node${i + 1}`);
    // Start a few at a time: each boots systemd.
    for (let i = 0; i < names.length; i += 8) {
      const batch = names.slice(i, i + 8);
      nodes.push(
        ...(await Promise.all(
          batch.map((n) =>
            startNode({
              image,
              name: n,
              containerName: `kplay-${name}-${n}`,
              network,
              labels: { ...labels, [ROLE_LABEL]: "node" },
              authorizedKey: pub,
            }),
          ),
        )),
      );
    }
  } catch (e) {
    await removeContainers(nodes.map((n) => n.containerId));
    await removeContainers((await listContainers(SANDBOX_LABEL, name)).map((c) => c.id));
    await removeNetworks([network.id]);
    throw e;
  }
  return nodes;
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
    },
  };
}

export async function sandboxStatus(stateDir: string, name: string): Promise<SandboxInfo | undefined> {
  const dir = sandboxDir(stateDir, name);
  const file = join(dir, "sandbox.json");
  const containers = await listContainers(SANDBOX_LABEL, name);
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
  const containers = await listContainers(SANDBOX_LABEL, name);
  await removeContainers(containers.map((c) => c.id));
  const nets = await listNetworks(SANDBOX_LABEL, name);
  await removeNetworks(nets.map((n) => n.id));
  const dir = sandboxDir(stateDir, name);
  // The nodes are gone, so is everything recorded about them (progress, host keys, certificates);
  // only the SSH key pair stays for the next sandbox of this name.
  if (existsSync(dir))
    for (const f of readdirSync(dir))
      if (!f.startsWith("id_ed25519")) rmSync(join(dir, f), { recursive: true, force: true });
  return { containers: containers.length, networks: nets.length };
}
