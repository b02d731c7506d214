// kplay's release on the bootstrap node, as at an air-gapped site: the release tarball for this
// machine's architecture is unpacked on the sandbox's bootstrap node (which has no Node), and
// deploy-cluster, add-node and remove-node run there, the bootstrap node itself over the local
// connection and the nodes over SSH on their node-network addresses. Asserted on the nodes.
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRelease, type ReleaseArch } from "../../src/release/build.js";
import { kplay, sandboxHome } from "../harness/cluster.js";

const ROOT = resolve(import.meta.dirname, "../..");
const home = sandboxHome("kplay-release-");
const name = `rel${process.pid}`;
const env = { KPLAY_HOME: home };
const BIN = "/opt/kplay/release/bin/kplay";
type Node = { name: string; container: string; ip: string; role: string };
let nodes: Node[] = [];
let cfg: { inventory: { all: Record<string, any> } };

function sh(node: string, cmd: string): Promise<{ code: number; out: string }> {
  const c = nodes.find((n) => n.name === node)!.container;
  return new Promise((res) =>
    execFile("docker", ["exec", "-w", "/root", c, "sh", "-c", cmd], { maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    ),
  );
}

async function refreshNodes(): Promise<void> {
  nodes = JSON.parse((await kplay(["sandbox", "status", "--name", name, "--json"], { env })).stdout).nodes;
}

/** The sandbox's config.yaml as seen from the bootstrap node: it is local, the nodes are at their IPs. */
function insideConfig(cluster: string[]): string {
  const all = cfg.inventory.all;
  all.vars.ansible_ssh_private_key_file = "/root/.ssh/kplay_ed25519";
  all.hosts = Object.fromEntries(
    nodes.map((n) => [
      n.name,
      n.role === "bootstrap"
        ? { ansible_connection: "local", ip: n.ip }
        : { ansible_host: n.ip, ansible_port: 22, ip: n.ip },
    ]),
  );
  all.children.kube_node.hosts = Object.fromEntries(cluster.map((h) => [h, null]));
  return stringify(cfg);
}

async function putConfig(cluster: string[]): Promise<void> {
  const file = join(home, "inside.yaml");
  writeFileSync(file, insideConfig(cluster));
  execFileSync("docker", ["cp", file, `${nodes.find((n) => n.role === "bootstrap")!.container}:/root/config.yaml`]);
}

beforeAll(async () => {
  const arch = execFileSync("dpkg", ["--print-architecture"], { encoding: "utf8" }).trim() as ReleaseArch;
  const out = mkdtempSync(join(tmpdir(), "kplay-release-out-"));
  const cacheDir = join(tmpdir(), "kplay-test-release-cache");
  const [release] = await buildRelease({ root: ROOT, out, arches: [arch], cacheDir, log: () => undefined });
  const up = await kplay(["sandbox", "up", "--nodes", "3", "--name", name], { env });
  expect(up.code, up.stderr).toBe(0);
  await refreshNodes();
  const info = JSON.parse((await kplay(["sandbox", "status", "--name", name, "--json"], { env })).stdout);
  cfg = parse(readFileSync(info.config, "utf8"));
  const boot = nodes.find((n) => n.role === "bootstrap")!.container;
  await sh("bootstrap", "mkdir -p /root/.ssh /opt/kplay");
  execFileSync("docker", ["cp", info.privateKey, `${boot}:/root/.ssh/kplay_ed25519`]);
  execFileSync("docker", ["cp", release.file, `${boot}:/opt/kplay/kplay.tar.gz`]);
  const unpack = await sh(
    "bootstrap",
    "chmod 600 /root/.ssh/kplay_ed25519 && mkdir -p /opt/kplay/release && " +
      "tar -xzf /opt/kplay/kplay.tar.gz -C /opt/kplay/release --strip-components=1",
  );
  expect(unpack.code, unpack.out).toBe(0);
  await putConfig(["node1", "node2", "node3"]);
}, 900_000);

afterAll(async () => {
  await kplay(["sandbox", "down", "--name", name], { env });
});

/**
 * When a run from the bootstrap node fails, what its SSH logins looked like from both ends: the
 * key it uses, node1's authorized key and sshd's log (a CI run once saw every login refused).
 */
async function sshDiagnosis(): Promise<string> {
  const boot = await sh("bootstrap", "ls -l /root/.ssh; ssh-keygen -y -f /root/.ssh/kplay_ed25519");
  const node = await sh(
    "node1",
    "ls -la /root/.ssh; cat /root/.ssh/authorized_keys; journalctl -u ssh --no-pager | tail -20",
  );
  return `\n--- bootstrap ---\n${boot.out}\n--- node1 ---\n${node.out}`;
}

const nodeList = "kubectl get nodes --no-headers | awk '{print $1, $2}'";

describe("the release on the bootstrap node", () => {
  it("runs where there is no Node: kplay --version", async () => {
    expect((await sh("bootstrap", "command -v node || echo none")).out).toBe("none\n");
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(await sh("bootstrap", `${BIN} --version`)).toEqual({ code: 0, out: `${version}\n` });
  });

  it("deploy-cluster from the bootstrap node: every node Ready, registry trusted, every step done", async () => {
    const r = await sh("bootstrap", `${BIN} deploy-cluster -c /root/config.yaml --accept-new-host-keys`);
    expect(r.code, r.out.slice(-3000) + (r.code ? await sshDiagnosis() : "")).toBe(0);
    expect(r.out).toContain("all steps done on every host");
    expect((await sh("node1", nodeList)).out).toBe("node1 Ready\nnode2 Ready\nnode3 Ready\n");
    for (const n of ["node1", "node2", "node3"]) {
      const tls = await sh(n, "curl -fsS https://kube.registry.local/v2/ && echo ' trusted'");
      expect(tls.out).toBe("{} trusted\n");
      const pull = await sh(n, "ctr -n k8s.io images ls -q | grep -c 'registry.k8s.io/pause:3.9'");
      expect(pull.out.trim()).not.toBe("0");
    }
    const etcdctl =
      "ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/etcd/pki/ca.crt " +
      "--cert=/etc/etcd/pki/member.crt --key=/etc/etcd/pki/member.key";
    const health = await sh("node1", `${etcdctl} endpoint health --cluster 2>&1 | grep -c 'is healthy'`);
    expect(health.out.trim()).toBe("3");
    const status = await sh("bootstrap", `${BIN} status -c /root/config.yaml`);
    for (const line of status.out.split("\n").filter((l) => /^(bootstrap|node\d)\s/.test(l)))
      expect(line).toMatch(/ (\d+)\/\1 steps done/);
  });

  it("add-node node4 then remove-node node4, from the bootstrap node", async () => {
    const grow = await kplay(["sandbox", "up", "--nodes", "4", "--name", name], { env });
    expect(grow.code, grow.stderr).toBe(0);
    await refreshNodes();
    await putConfig(["node1", "node2", "node3", "node4"]);
    const add = await sh("bootstrap", `${BIN} add-node node4 -c /root/config.yaml --accept-new-host-keys`);
    expect(add.code, add.out.slice(-3000) + (add.code ? await sshDiagnosis() : "")).toBe(0);
    expect((await sh("node1", nodeList)).out).toBe("node1 Ready\nnode2 Ready\nnode3 Ready\nnode4 Ready\n");
    const rm = await sh("bootstrap", `${BIN} remove-node node4 -c /root/config.yaml --yes`);
    expect(rm.code, rm.out.slice(-3000)).toBe(0);
    expect((await sh("node1", nodeList)).out).toBe("node1 Ready\nnode2 Ready\nnode3 Ready\n");
    expect((await sh("node4", "test -e /etc/kubernetes/kubelet.conf && echo joined || echo reset")).out).toBe(
      "reset\n",
    );
  });
});
