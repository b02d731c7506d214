// Test harness: start real Debian nodes (systemd + sshd) for one test file and tear down exactly
// what it created. Also runs kplay as a subprocess and reads node state over `docker exec`,
// a channel independent of kplay's own SSH transport.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { getContainerRuntimeClient } from "testcontainers";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { stringify } from "yaml";
import { nodeImageTag } from "../../src/sandbox/image.js";
import { newEd25519KeyPair } from "../../src/transport/ssh-keys.js";
import {
  connectNode,
  createNetwork,
  removeContainers,
  removeNetworks,
  startNode,
  type NodeHandle,
  type NodeNetwork,
} from "../../src/sandbox/nodes.js";

export const TEST_LABEL = "kplay.test";
const ROOT = resolve(import.meta.dirname, "../..");

export interface TestCluster {
  dir: string;
  key: string;
  nodes: NodeHandle[];
  networks: NodeNetwork[];
  /** known_hosts content for every published node. */
  knownHosts: string;
  node(name: string): NodeHandle;
  /** Run a shell command inside a node through docker exec (not through kplay). */
  sh(name: string, cmd: string): Promise<{ code: number; out: string }>;
  destroy(): Promise<void>;
}

export interface ClusterOptions {
  nodes: number;
  opsPassword?: string;
  /** Also start "bastion" (published) and "inner" (reachable only through the bastion). */
  bastion?: boolean;
}

export async function startCluster(o: ClusterOptions): Promise<TestCluster> {
  const id = randomBytes(4).toString("hex");
  const labels = { [TEST_LABEL]: id };
  const dir = mkdtempSync(join(tmpdir(), "kplay-test-"));
  const kp = newEd25519KeyPair();
  const key = join(dir, "id_ed25519");
  writeFileSync(key, kp.private, { mode: 0o600 });
  const image = nodeImageTag();
  const networks: NodeNetwork[] = [];
  const nodes: NodeHandle[] = [];
  const destroy = async () => {
    await removeContainers(nodes.map((n) => n.containerId));
    await removeNetworks(networks.map((n) => n.id));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const net = await createNetwork(`kplay-test-${id}`, labels);
    networks.push(net);
    const common = { image, network: net, labels, authorizedKey: kp.public, opsPassword: o.opsPassword };
    const names = Array.from({ length: o.nodes }, (_, i) => `node${i + 1}`);
    nodes.push(
      ...(await Promise.all(
        names.map((n) => startNode({ ...common, name: n, containerName: `kplay-test-${id}-${n}` })),
      )),
    );
    if (o.bastion) {
      const inner = await createNetwork(`kplay-test-${id}-inner`, labels);
      networks.push(inner);
      const bastion = await startNode({ ...common, name: "bastion", containerName: `kplay-test-${id}-bastion` });
      nodes.push(bastion);
      const innerNode = await startNode({
        ...common,
        network: inner,
        name: "inner",
        containerName: `kplay-test-${id}-inner`,
        publish: false,
      });
      nodes.push(innerNode);
      await connectNode(bastion, inner, "bastion");
    }
  } catch (e) {
    await destroy();
    throw e;
  }
  const knownHosts =
    nodes
      .filter((n) => n.sshPort)
      .map((n) => `[127.0.0.1]:${n.sshPort} ${n.hostKey}`)
      .join("\n") + "\n";
  return {
    dir,
    key,
    nodes,
    networks,
    knownHosts,
    node: (name) => {
      const n = nodes.find((x) => x.name === name);
      if (!n) throw new Error(`no node ${name}`);
      return n;
    },
    sh: async (name, cmd) => {
      const n = nodes.find((x) => x.name === name)!;
      const r = await n.container.exec(["sh", "-c", cmd]);
      return { code: r.exitCode, out: r.output };
    },
    destroy,
  };
}

/** A YAML inventory for the cluster's published nodes, root key login, plus extra vars per host. */
export function writeInventory(
  c: TestCluster,
  file: string,
  extra: Record<string, Record<string, unknown>> = {},
  names?: string[],
): string {
  const hosts: Record<string, unknown> = {};
  for (const n of c.nodes.filter((x) => x.sshPort && (!names || names.includes(x.name)))) {
    hosts[n.name] = { ansible_host: "127.0.0.1", ansible_port: n.sshPort, ip: n.ip, ...(extra[n.name] ?? {}) };
  }
  const path = join(c.dir, file);
  writeFileSync(
    path,
    stringify({ all: { vars: { ansible_user: "root", ansible_ssh_private_key_file: c.key }, hosts } }),
  );
  return path;
}

export interface KplayRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built CLI as a user would. */
export function kplay(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<KplayRun> {
  return new Promise((res) => {
    execFile(
      process.execPath,
      [join(ROOT, "bin/kplay.js"), ...args],
      { cwd: opts.cwd ?? ROOT, env: { ...process.env, NO_COLOR: "1", ...opts.env }, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Start the CLI without waiting for it (fault tests kill it or cut its links meanwhile). */
export function spawnKplay(
  args: string[],
  opts: { env?: Record<string, string> } = {},
): { child: ChildProcess; done: Promise<KplayRun> } {
  const child = spawn(process.execPath, [join(ROOT, "bin/kplay.js"), ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", ...opts.env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const done = new Promise<KplayRun>((res) =>
    child.on("close", (code, signal) => res({ code: code ?? (signal ? 128 + 9 : 1), stdout, stderr })),
  );
  return { child, done };
}

/** Restart a node's container (systemd boots again); returns its new published SSH port. */
export async function restartNode(c: TestCluster, name: string): Promise<number> {
  const node = c.node(name);
  await node.container.restart({ timeout: 1 });
  const client = await getContainerRuntimeClient();
  const info = await client.container.inspect(client.container.getById(node.containerId));
  const port = Number(info.NetworkSettings.Ports["22/tcp"]?.[0]?.HostPort);
  for (let i = 0; i < 100; i++) {
    const r = await node.container.exec([
      "sh",
      "-c",
      "ip route del default 2>/dev/null; systemctl is-active --quiet ssh",
    ]);
    if (r.exitCode === 0) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  node.sshPort = port;
  return port;
}

/** Parse --json output into events. */
export function events(out: string): Array<Record<string, any>> {
  return out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
}

/** Where the sandbox tests' offline bundle is kept between files and runs (made by global-setup). */
export const SHARED_BUNDLES = join(tmpdir(), "kplay-test-sandbox-bundles");

/**
 * A fresh KPLAY_HOME for a sandbox test whose sandbox bundle directory is shared by every test
 * file of this machine (the bundle is keyed by its recipe, so sharing it is what a second
 * sandbox of one checkout does too): building it once instead of per file.
 */
export function sandboxHome(prefix: string): string {
  const home = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(SHARED_BUNDLES, { recursive: true });
  mkdirSync(join(home, "sandbox"), { recursive: true });
  symlinkSync(SHARED_BUNDLES, join(home, "sandbox", ".bundles"));
  return home;
}
