// Owns starting and removing real Debian nodes as containers (testcontainers on the local Docker
// engine): systemd as PID 1, sshd published on 127.0.0.1 only, no default route and no DNS
// server (no way out of the node network), labelled so that exactly what was created can be found and removed.
import { connect } from "node:net";
import { GenericContainer, Wait, getContainerRuntimeClient, type StartedTestContainer } from "testcontainers";
import { KplayError } from "../errors.js";

/** The Docker engine's client; without a reachable engine, an error that says so in plain words. */
async function dockerClient(): ReturnType<typeof getContainerRuntimeClient> {
  try {
    return await getContainerRuntimeClient();
  } catch (e) {
    throw new KplayError("host", "no Docker engine answers on this machine: the sandbox's nodes are containers", {
      hint: "start Docker (or set DOCKER_HOST), then run the command again",
      cause: e,
    });
  }
}

process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true"; // the reaper image cannot be pulled offline

export interface NodeHandle {
  name: string;
  containerId: string;
  containerName: string;
  /** Where the controller reaches sshd: 127.0.0.1 and the published port (undefined when not published). */
  sshHost: string;
  sshPort?: number;
  /** The node's address on its node network (how nodes reach each other). */
  ip: string;
  hostKey: string;
  container: StartedTestContainer;
}

export interface NodeOptions {
  image: string;
  name: string;
  containerName: string;
  network: NodeNetwork;
  labels: Record<string, string>;
  authorizedKey: string;
  publish?: boolean;
  /** Password for the non-root sudo user "ops" (password login and password sudo). */
  opsPassword?: string;
  /** "systemd" (default): a full node. "sshd": sshd as PID 1, for light benchmark nodes by the hundred. */
  init?: "systemd" | "sshd";
  /** Host directories mounted read-only (the sandbox bundle on the bootstrap node). */
  readOnlyMounts?: Array<{ source: string; target: string }>;
}

/** GenericContainer that publishes ports on 127.0.0.1 only and joins exactly one network. */
class LoopbackContainer extends GenericContainer {
  /**
   * Attach to `network` at creation, with DNS aliases. (testcontainers' withNetworkAliases would
   * start the container on Docker's default bridge and connect it afterwards, leaving a second
   * interface on a network shared with every other container.)
   */
  withOnlyNetwork(network: string, aliases: string[]): this {
    this.withNetworkMode(network);
    this.createOpts.NetworkingConfig = { EndpointsConfig: { [network]: { Aliases: aliases } } };
    return this;
  }

  withLoopbackPort(port: number): this {
    this.withExposedPorts(port);
    this.hostConfig.PortBindings = { [`${port}/tcp`]: [{ HostIp: "127.0.0.1", HostPort: "0" }] };
    return this;
  }
}

export interface NodeNetwork {
  id: string;
  name: string;
}

/** A bridge network carrying `labels`, so cleanup can find exactly the networks kplay made. */
export async function createNetwork(name: string, labels: Record<string, string>): Promise<NodeNetwork> {
  const client = await dockerClient();
  const net = await client.container.dockerode.createNetwork({
    Name: name,
    Driver: "bridge",
    Labels: labels,
    CheckDuplicate: true,
  });
  return { id: net.id, name };
}

export async function startNode(o: NodeOptions): Promise<NodeHandle> {
  const c = new LoopbackContainer(o.image)
    .withName(o.containerName)
    .withHostname(o.name)
    .withLabels({ ...o.labels, "kplay.node": o.name })
    .withOnlyNetwork(o.network.name, [o.name])
    .withCopyContentToContainer([
      { content: o.authorizedKey + "\n", target: "/root/.ssh/authorized_keys", mode: 0o600 },
    ])
    .withStartupTimeout(120_000);
  if (o.init === "sshd") {
    // -r: each connection is a fork of the listening sshd, not a fresh exec of it, so it shares the
    // listener's loaded libraries and keys: 0.65 MB per open connection instead of 1.7 MB (1,000
    // connections held to one node, cgroup memory), which is what lets 10,000 benchmark hosts
    // (each its own connection) fit on one machine. Only these light benchmark nodes do this.
    c.withAddedCapabilities("NET_ADMIN")
      .withCommand(["/bin/sh", "-c", "mkdir -p /run/sshd && ssh-keygen -A >/dev/null && exec /usr/sbin/sshd -D -e -r"])
      .withWaitStrategy(Wait.forSuccessfulCommand("ss -Hltn 'sport = :22' | grep -q ."));
    if (o.readOnlyMounts?.length) c.withBindMounts(o.readOnlyMounts.map((m) => ({ ...m, mode: "ro" as const })));
  } else {
    c.withAddedCapabilities("SYS_ADMIN", "NET_ADMIN")
      .withSecurityOpt("seccomp=unconfined", "apparmor=unconfined")
      .withTmpFs({ "/run": "rw", "/run/lock": "rw" })
      .withBindMounts([
        { source: "/sys/fs/cgroup", target: "/sys/fs/cgroup", mode: "ro" },
        ...(o.readOnlyMounts ?? []).map((m) => ({ ...m, mode: "ro" as const })),
      ])
      .withWaitStrategy(Wait.forSuccessfulCommand("systemctl is-active --quiet ssh"));
  }
  if (o.publish !== false) c.withLoopbackPort(22);
  const started = await c.start();
  const setup = [
    "ip route del default 2>/dev/null || true",
    "! ip route | grep -q '^default'",
    // no DNS either: Docker's resolver would answer names from outside the node network
    "printf '# kplay test node: no DNS server (no way out of the node network)\\n' > /etc/resolv.conf",
    // exactly one interface besides lo: the node network
    "[ \"$(ip -o link show | grep -vc ': lo:')\" = 1 ]",
    o.opsPassword ? `echo ${Buffer.from(`ops:${o.opsPassword}`).toString("base64")} | base64 -d | chpasswd` : "true",
    "cat /etc/ssh/ssh_host_ed25519_key.pub",
  ].join(" && ");
  const r = await started.exec(["sh", "-c", setup]);
  if (r.exitCode !== 0) {
    await started.stop({ remove: true }).catch(() => undefined);
    throw new Error(`node ${o.name} setup failed: ${r.output}`);
  }
  const [type, key] = r.output.trim().split(/\s+/);
  // sshd answers inside the node; the published port must answer from the host too before the
  // node is handed out (docker's proxy and NAT rules can lag the container's start)
  if (o.publish !== false) await sshAnswers(started.getMappedPort(22), 30_000);
  return {
    name: o.name,
    containerId: started.getId(),
    containerName: o.containerName,
    sshHost: "127.0.0.1",
    sshPort: o.publish !== false ? started.getMappedPort(22) : undefined,
    ip: started.getIpAddress(o.network.name),
    hostKey: `${type} ${key}`,
    container: started,
  };
}

/** Wait until an SSH server greets on 127.0.0.1:port ("SSH-" banner), or fail after `ms`. */
async function sshAnswers(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await bannerOnce(port)) return;
    if (Date.now() > until) throw new Error(`no SSH server answered on 127.0.0.1:${port} within ${ms / 1000} s`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

function bannerOnce(port: number): Promise<boolean> {
  return new Promise((res) => {
    const sock = connect({ host: "127.0.0.1", port, noDelay: true });
    const done = (ok: boolean) => {
      sock.destroy();
      res(ok);
    };
    sock.setTimeout(2000, () => done(false));
    sock.once("data", (d) => done(d.toString("latin1").startsWith("SSH-")));
    sock.once("error", () => done(false));
    sock.once("close", () => done(false));
  });
}

/** Attach a running node to a second network (a bastion reaching an inner network). */
export async function connectNode(node: NodeHandle, network: NodeNetwork, alias: string): Promise<string> {
  const client = await dockerClient();
  const c = client.container.getById(node.containerId);
  await client.container.connectToNetwork(c, client.network.getById(network.id), [alias]);
  const info = await client.container.inspect(c);
  return info.NetworkSettings.Networks[network.name]?.IPAddress ?? "";
}

export interface LabelledResource {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: string;
  ports: Array<{ private: number; public?: number; ip?: string }>;
  networks: Record<string, string>;
}

/** Docker label filters: one label (any value, or the value given), or every label of a set (all must match). */
type LabelQuery = string | Record<string, string>;
function labelFilters(label: LabelQuery, value?: string): string[] {
  if (typeof label !== "string") return Object.entries(label).map(([k, v]) => `${k}=${v}`);
  return [value === undefined ? label : `${label}=${value}`];
}

export async function listContainers(label: LabelQuery, value?: string): Promise<LabelledResource[]> {
  const client = await dockerClient();
  const filters = { label: labelFilters(label, value) };
  const list = await client.container.dockerode.listContainers({ all: true, filters });
  return list.map((c) => ({
    id: c.Id,
    name: (c.Names[0] ?? "").replace(/^\//, ""),
    labels: c.Labels,
    state: c.State,
    ports: c.Ports.map((p) => ({ private: p.PrivatePort, public: p.PublicPort, ip: p.IP })),
    networks: Object.fromEntries(Object.entries(c.NetworkSettings?.Networks ?? {}).map(([n, v]) => [n, v.IPAddress])),
  }));
}

export async function removeContainers(ids: string[]): Promise<void> {
  const client = await dockerClient();
  await Promise.all(
    ids.map((id) =>
      client.container.dockerode
        .getContainer(id)
        .remove({ force: true, v: true })
        .catch(() => undefined),
    ),
  );
}

export async function removeNetworks(ids: string[]): Promise<void> {
  const client = await dockerClient();
  for (const id of ids)
    await client.container.dockerode
      .getNetwork(id)
      .remove()
      .catch(() => undefined);
}

export async function listNetworks(label: LabelQuery, value?: string): Promise<NodeNetwork[]> {
  const client = await dockerClient();
  const nets = await client.container.dockerode.listNetworks({ filters: { label: labelFilters(label, value) } });
  return nets.map((n) => ({ id: n.Id, name: n.Name }));
}
