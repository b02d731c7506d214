// add-node and remove-node on the sandbox (1 bootstrap node + 5 nodes), end to end with real
// etcd (Debian's etcd-server): a cluster of node1-3 (etcd) and node5 (a worker) is deployed; node4 joins it as worker and
// etcd member while node3 cannot be reached over SSH (its facts come from the cache: a clash
// with its hostname is caught) and joins Kubernetes (stand-in kubeadm, see test/stand-ins); node2
// leaves (drained and deleted through the first control plane, etcd member removed through a
// peer, node reset); a removal that would cost quorum is refused, as is removing the first
// control plane. Before that, upgrade-cluster --batch 2 takes the two control planes (node1 and
// node3) one at a time and the three workers two at a time, and a second run drains nothing. A probe on
// node1 reads through etcd every 0.3 s all along and must never fail.
// Everything asserted is read on the nodes.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { events, kplay, sandboxHome } from "../harness/cluster.js";

const home = sandboxHome("kplay-nodes-");
const name = `nodes${process.pid}`;
const env = { KPLAY_HOME: home };
const sd = join(home, "sandbox", name);
let info: { config: string; nodes: Array<{ name: string; container: string; ip: string }> };
let three: string[];
let four: string[];
const ETCDCTL =
  "ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/etcd/pki/ca.crt --cert=/etc/etcd/pki/member.crt --key=/etc/etcd/pki/member.key";

function sh(node: string, cmd: string): Promise<{ code: number; out: string }> {
  const c = info.nodes.find((n) => n.name === node)!.container;
  return new Promise((res) =>
    execFile("docker", ["exec", c, "sh", "-c", cmd], { maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    ),
  );
}
/** "name started" per member, sorted, as node asks its local etcd. */
const members = async (node: string) =>
  (await sh(node, `${ETCDCTL} member list -w simple | awk -F', ' '{print $3 " " $2}' | sort`)).out;
const hostResults = (out: string) => events(out).filter((e) => e.event === "host_result");

/** The sandbox's config.yaml with node4 kept out of the cluster (three) or in kube_node and etcd (four). */
function configs(): void {
  const cfg = parse(readFileSync(info.config, "utf8"));
  const ch = cfg.inventory.all.children;
  cfg.kubespray.kube_network_plugin = "flannel"; // deploy-cluster's test covers calico
  // an app from the files server (a test fixture shaped like metrics-server's components.yaml)
  cfg.kubespray.cluster_apps = [
    {
      name: "metrics-server",
      url: "github.com/kubernetes-sigs/metrics-server/releases/download/v0.6.4/components.yaml",
    },
  ];
  ch.kube_control_plane.hosts = { node1: null, node3: null }; // a second control plane joins with a certificate key
  const with4 = structuredClone(cfg);
  with4.inventory.all.children.etcd.hosts.node4 = null;
  ch.kube_node.hosts = { node1: null, node2: null, node3: null, node5: null };
  delete cfg.inventory.all.hosts.node4;
  const f3 = join(home, "three.yaml");
  const f4 = join(home, "four.yaml");
  writeFileSync(f3, stringify(cfg));
  writeFileSync(f4, stringify(with4));
  three = ["-c", f3, "--state-dir", sd, "--json"];
  four = ["-c", f4, "--state-dir", sd, "--json"];
}

beforeAll(async () => {
  const up = await kplay(["sandbox", "up", "--nodes", "5", "--name", name], { env });
  expect(up.code, up.stderr).toBe(0);
  info = JSON.parse((await kplay(["sandbox", "status", "--name", name, "--json"], { env })).stdout);
  configs();
}, 600_000);

afterAll(async () => {
  await kplay(["sandbox", "down", "--name", name], { env });
});

describe("add-node and remove-node", () => {
  it("deploys node1-3 (etcd on all three) and node5; node4 untouched", { timeout: 300_000 }, async () => {
    const r = await kplay(["deploy-cluster", ...three], { env });
    expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(0);
    expect(await members("node1")).toBe("node1 started\nnode2 started\nnode3 started\n");
    expect((await sh("node4", "test -e /var/lib/kplay/undo.log && echo touched || echo untouched")).out).toBe(
      "untouched\n",
    );
    // From here on, node1 reads through etcd (a quorum read) every 0.3 s.
    await sh(
      "node1",
      `nohup sh -c 'while :; do ${ETCDCTL} endpoint health >/dev/null 2>&1 && echo ok || echo FAIL $(date +%T.%N); sleep 0.3; done' > /tmp/probe.log 2>&1 & echo $! > /tmp/probe.pid`,
    );
  });

  it("node3 joins as a second control plane with the uploaded certificate key", async () => {
    const j = await sh(
      "node3",
      "grep -c 'kubeadm join --config' /var/log/kplay-standin/calls.log; grep -c '^controlPlane:' /etc/kubernetes/kubeadm-join.yaml; grep -o 'certificateKey: \"[0-9a-f]*\"' /etc/kubernetes/kubeadm-join.yaml | wc -c; test -s /root/.kube/config && echo admin-ok",
    );
    expect(j.out).toBe("1\n1\n83\nadmin-ok\n");
    expect(
      (
        await sh(
          "node1",
          "grep -c 'kubeadm init phase upload-certs --upload-certs' /var/log/kplay-standin/calls.log; kubectl get nodes --no-headers | awk '{print $1, $3}'",
        )
      ).out,
    ).toBe("1\nnode1 control-plane\nnode2 <none>\nnode3 control-plane\nnode5 <none>\n");
  });

  it("flannel as the pod network: images from the internal registry, the pod subnet in net-conf.json", async () => {
    const m = (await sh("node1", "cat /etc/kubernetes/addons/flannel.yaml")).out;
    expect([...new Set([...m.matchAll(/image:\s*(\S+)/g)].map((x) => x[1]))].sort()).toEqual([
      "kube.registry.local/library/flannel/flannel-cni-plugin:v1.2.0",
      "kube.registry.local/library/flannel/flannel:v0.22.3",
    ]);
    expect(m).toContain('"Network": "10.233.64.0/18"');
  });

  it("cluster apps: metrics-server fetched (sha256 checked), its image pointed at the internal registry, applied once", async () => {
    const m = (await sh("node1", "cat /etc/kubernetes/addons/metrics-server.yaml")).out;
    expect([...m.matchAll(/image:\s*(\S+)/g)].map((x) => x[1])).toEqual([
      "kube.registry.local/library/metrics-server/metrics-server:v0.6.4",
    ]);
    // everything but the image lines is the upstream file unchanged
    const up = (await sh("node1", "cat /etc/kubernetes/addons/metrics-server-upstream.yaml")).out;
    expect(m.split("\n").filter((l) => !/image:/.test(l))).toEqual(up.split("\n").filter((l) => !/image:/.test(l)));
    const applied = await sh(
      "node1",
      "grep -c 'apply -f /etc/kubernetes/addons/metrics-server.yaml' /var/log/kplay-standin/calls.log; cat /var/lib/kplay-standin/apiserver/workloads/kube-system_deployment_metrics-server",
    );
    expect(applied.out).toBe("1\nmetrics-server=kube.registry.local/library/metrics-server/metrics-server:v0.6.4\n");
  });

  it("refuses a name that is not an inventory host (exact match only) before touching anything", async () => {
    const r = await kplay(["add-node", "node", ...four], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/node is not a host of the inventory/);
  });

  it("add-node while node3 is unreachable: a hostname clash with node3 is caught from its cached facts", async () => {
    await sh("node3", "systemctl stop ssh.socket ssh 2>/dev/null; true");
    const h3 = (await sh("node3", "hostname")).out.trim();
    const h4 = (await sh("node4", "hostname")).out.trim();
    await sh("node4", `hostname ${h3}`);
    const clash = await kplay(["add-node", "node4", ...four], { env });
    await sh("node4", `hostname ${h4}`);
    expect(clash.code).toBe(1);
    const failed = hostResults(clash.stdout).filter((e) => e.status === "failed");
    expect(failed.map((e) => e.task)).toEqual(["Hostnames are unique across the cluster"]);
    expect(String(failed[0].result.stderr)).toContain(`hostnames used by more than one node: ${h3}`);
    expect((await sh("node4", "test -e /var/lib/kplay/undo.log && echo touched || echo untouched")).out).toBe(
      "untouched\n",
    );
  });

  it("add-node node4 joins it to etcd (member add first) and touches no other node", async () => {
    const stepsBefore = readFileSync(join(sd, "steps"), "utf8")
      .split("\n")
      .filter((l) => /^node[1235]\t/.test(l));
    const r = await kplay(["add-node", "node4", ...four], { env });
    expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(0);
    expect([...new Set(hostResults(r.stdout).map((e) => e.host))]).toEqual(["node4"]);
    const join4 = hostResults(r.stdout).find((e) => e.task.startsWith("Join the running cluster"))!;
    expect(join4.status).toBe("changed");
    // added as a learner, promoted to voter once caught up
    expect(hostResults(r.stdout).find((e) => e.task.startsWith("A member that joined as learner"))?.status).toBe(
      "changed",
    );
    expect(await members("node1")).toBe("node1 started\nnode2 started\nnode3 started\nnode4 started\n");
    expect((await sh("node4", "cat /etc/etcd/initial-cluster.env")).out).toMatch(
      /ETCD_INITIAL_CLUSTER_STATE=existing\nETCD_INITIAL_CLUSTER=.*node4=https:\/\/[\d.]+:2380/,
    );
    expect(
      (
        await sh(
          "node4",
          `${ETCDCTL} put from-node4 yes && ${ETCDCTL} endpoint health --cluster 2>&1 | grep -c 'is healthy'`,
        )
      ).out,
    ).toBe("OK\n4\n");
    expect((await sh("node1", `${ETCDCTL} get from-node4 --print-value-only`)).out).toBe("yes\n");
    // and a Kubernetes worker: joined through the first control plane, Ready
    expect((await sh("node4", "grep -c 'kubeadm join --config' /var/log/kplay-standin/calls.log")).out).toBe("1\n");
    expect((await sh("node1", "kubectl get nodes --no-headers | awk '{print $1, $2}'")).out).toBe(
      "node1 Ready\nnode2 Ready\nnode3 Ready\nnode4 Ready\nnode5 Ready\n",
    );
    // 05-cluster-apps for node4 alone: CoreDNS's image (read through node1) and pause pulled into its containerd
    expect((await sh("node4", "ctr -n k8s.io images ls -q | grep -v '^sha256:' | sort")).out).toBe(
      "kube.registry.local/library/coredns/coredns:v1.10.1\nregistry.k8s.io/pause:3.9\n",
    );
    // The other nodes' recorded progress is exactly what it was.
    expect(
      readFileSync(join(sd, "steps"), "utf8")
        .split("\n")
        .filter((l) => /^node[1235]\t/.test(l)),
    ).toEqual(stepsBefore);
    await sh("node3", "systemctl start ssh.socket ssh 2>/dev/null; true");
  });

  it("a re-run of deploy-cluster with node4 in the inventory finds every step done", async () => {
    const r = await kplay(["deploy-cluster", ...four], { env });
    expect(r.code, r.stdout.slice(-2000)).toBe(0);
    expect(hostResults(r.stdout)).toEqual([]);
  });

  it("the first control plane cannot be removed", async () => {
    const r = await kplay(["remove-node", "node1", "--yes", ...four], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/node1 is the first control plane/);
  });

  it("upgrade-cluster --batch 2 with two control planes: node1 applies, node3 gets kubeadm upgrade node, never both down; three workers two at a time; a second run drains nothing", async () => {
    const cfg = parse(readFileSync(four[1], "utf8"));
    cfg.kubespray.kube_version = "v1.29.0";
    const f = join(home, "upgrade.yaml");
    writeFileSync(f, stringify(cfg));
    const args = ["-c", f, "--state-dir", sd, "--batch", "2"];
    const all = async () =>
      (await sh("node1", "cut -d' ' -f2- /var/lib/kplay-standin/apiserver/upgrade.log 2>/dev/null")).out;
    const mark = (await all()).length;
    const since = async () => (await all()).slice(mark);
    const snapDir = join(sd, "backups", "etcd");
    const snapshots = () => (existsSync(snapDir) ? readdirSync(snapDir).filter((x) => x.endsWith(".db")).length : 0);
    const snaps = snapshots();
    const dry = await kplay(["upgrade-cluster", ...args, "--dry-run"], { env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/control plane node3 \(.*\): kubeadm upgrade node, drained/);
    expect(dry.stdout).toMatch(/workers node2 \(.*\), node4 \(.*\): kubeadm upgrade node, drained/);
    expect(dry.stdout).toMatch(/worker node5 \(.*\): kubeadm upgrade node, drained/);
    expect(await since()).toBe("");
    const r = await kplay(["upgrade-cluster", ...args], { env });
    expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(0);
    const lines = (await since()).trim().split("\n");
    expect(lines[0]).toBe("apply node1 v1.28.4->v1.29.0");
    expect(lines, lines.join("\n")).toContain("node node3 v1.29.0 control-plane"); // the cluster version after apply
    // at most one control plane and at most two workers cordoned at any moment; two at once in a batch
    const cordoned = new Set<string>();
    let mostWorkers = 0;
    for (const l of lines) {
      const [what, node] = l.split(" ");
      if (what === "cordon") cordoned.add(node);
      if (what === "uncordon") cordoned.delete(node);
      const cps = [...cordoned].filter((n) => n === "node1" || n === "node3").length;
      expect(cps, `${l}: ${[...cordoned]}`).toBeLessThanOrEqual(1);
      mostWorkers = Math.max(mostWorkers, cordoned.size - cps);
    }
    expect(mostWorkers).toBe(2);
    expect(lines.filter((l) => l.startsWith("cordon ")).sort()).toEqual([
      "cordon node1",
      "cordon node2",
      "cordon node3",
      "cordon node4",
      "cordon node5",
    ]);
    expect(lines.indexOf("uncordon node1")).toBeLessThan(lines.indexOf("cordon node3"));
    expect((await sh("node1", "kubectl get nodes --no-headers | awk '{print $1, $2, $4}'")).out).toBe(
      "node1 Ready v1.29.0\nnode2 Ready v1.29.0\nnode3 Ready v1.29.0\nnode4 Ready v1.29.0\nnode5 Ready v1.29.0\n",
    );
    expect(snapshots()).toBe(snaps + 1);
    // again: every node at the target, nothing drained, no snapshot
    const again = await kplay(["upgrade-cluster", ...args], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/every node is at v1\.29\.0; nothing to do/);
    expect((await since()).trim().split("\n")).toEqual(lines);
    expect(snapshots()).toBe(snaps + 1);
    // a controller that never deployed this cluster (an empty state directory) judges the live
    // versions: two minor versions up and a downgrade are refused, naming the node, before any change
    const fresh = ["-c", f, "--state-dir", join(home, "never-deployed"), "--accept-new-host-keys"];
    for (const [v, why] of [
      ["v1.31.0", /node1 runs v1\.29\.0: kubeadm upgrades one minor version at a time/],
      ["v1.28.4", /node1 runs v1\.29\.0, newer than v1\.28\.4: kplay does not downgrade/],
    ] as const) {
      writeFileSync(f, stringify({ ...cfg, kubespray: { ...cfg.kubespray, kube_version: v } }));
      const refused = await kplay(["upgrade-cluster", ...fresh], { env });
      expect(refused.code, refused.stdout.slice(-2000) + refused.stderr).toBe(2);
      expect(refused.stderr).toMatch(why);
    }
    expect((await since()).trim().split("\n")).toEqual(lines);
  });

  it("remove-node node2: drained and deleted, member removed through a peer, node reset, progress forgotten", async () => {
    // make node2 the etcd leader, so its removal has to hand leadership over first
    const id2 = (
      await sh("node1", `${ETCDCTL} member list -w simple | awk -F', ' '$3 == "node2" {print $1}'`)
    ).out.trim();
    const leader = (
      await sh("node1", `${ETCDCTL} endpoint status --cluster -w simple | awk -F', ' '$5 == "true" {print $1}'`)
    ).out.trim();
    if (leader)
      await sh(
        "node1",
        `ETCDCTL_API=3 etcdctl --endpoints=${leader} --cacert=/etc/etcd/pki/ca.crt --cert=/etc/etcd/pki/member.crt --key=/etc/etcd/pki/member.key move-leader ${id2} >/dev/null 2>&1`,
      );
    expect(
      (
        await sh("node1", `${ETCDCTL} endpoint status --cluster -w simple | awk -F', ' '$5 == "true" {print $2}'`)
      ).out.trim(),
    ).toBe(id2);
    const r = await kplay(["remove-node", "node2", "--yes", ...four], { env });
    expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(0);
    expect(await members("node1")).toBe("node1 started\nnode3 started\nnode4 started\n");
    expect(
      (
        await sh(
          "node1",
          "kubectl get nodes --no-headers | awk '{print $1}'; grep -oE 'kubectl .* (drain|delete node) node2' /var/log/kplay-standin/calls.log | tail -n 2",
        )
      ).out,
    ).toBe(
      "node1\nnode3\nnode4\nnode5\nkubectl --kubeconfig /etc/kubernetes/admin.conf drain node2\nkubectl --kubeconfig /etc/kubernetes/admin.conf delete node node2\n",
    );
    const n2 = await sh(
      "node2",
      "dpkg -s etcd-server >/dev/null 2>&1 && echo etcd-installed; dpkg -s containerd >/dev/null 2>&1 && echo containerd-installed; ls /var/lib/etcd /etc/kubernetes /usr/local/bin/kubelet 2>&1 | wc -l; grep -c 'BEGIN kplay' /etc/hosts; cat /var/lib/kplay/undo.log 2>/dev/null | wc -l; grep -c 'kubeadm reset --force' /var/log/kplay-standin/calls.log",
    );
    expect(n2.out).toBe("3\n0\n0\n1\n");
    expect(readFileSync(join(sd, "steps"), "utf8")).not.toMatch(/^node2\t/m);
    // Again: nothing registered, no member, nothing left to undo.
    const again = await kplay(["remove-node", "node2", "--yes", ...four], { env });
    expect(again.code).toBe(0);
    expect(hostResults(again.stdout).filter((e) => e.status === "changed")).toEqual([]);
  });

  it("etcd answered quorum reads on node1 throughout add-node and remove-node", async () => {
    const log = (await sh("node1", "kill $(cat /tmp/probe.pid); cat /tmp/probe.log")).out.split("\n").filter(Boolean);
    expect(log.length).toBeGreaterThan(50);
    // Through add-node (member add, first start) and remove-node (leadership handed over, member removed): no failure.
    expect(log.filter((l) => l !== "ok")).toEqual([]);
  });

  it("a removal that would cost quorum is refused and changes nothing", async () => {
    await sh("node4", "systemctl stop etcd");
    const r = await kplay(["remove-node", "node3", "--yes", ...four], { env });
    await sh("node4", "systemctl start etcd");
    expect(r.code).toBe(1);
    const failed = hostResults(r.stdout).filter((e) => e.status === "failed");
    expect(String(failed[0]?.result.stderr)).toMatch(
      /refusing to remove node3: 1 of the other 2 etcd members are healthy and a cluster of 2 needs 2 for quorum/,
    );
    expect(await members("node1")).toBe("node1 started\nnode3 started\nnode4 started\n");
    expect((await sh("node3", "systemctl is-active etcd kubelet")).out).toBe("active\nactive\n");
    expect((await sh("node1", "kubectl get nodes --no-headers | awk '{print $1, $2}' | grep node3")).out).toBe(
      "node3 Ready\n",
    );
  });
});
