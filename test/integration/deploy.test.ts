// deploy-cluster on the sandbox, end to end: 1 bootstrap node + 3 nodes with no route and no
// DNS outside their network. Everything asserted is read on the nodes themselves: apt installs
// from the bootstrap repo, the registry domain resolves to the bootstrap node, TLS verifies with
// the system trust store, containerd pulls by upstream name through the mirror and runs the
// image, chrony follows the bootstrap node; re-runs skip, --restart changes nothing, and a CA
// removed by hand comes back.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { events, kplay, sandboxHome, spawnKplay } from "../harness/cluster.js";

const home = sandboxHome("kplay-deploy-");
const name = `e2e${process.pid}`;
const env = { KPLAY_HOME: home };
const sandbox = ["--sandbox", "--sandbox-name", name];
const NODES = ["node1", "node2", "node3"];
let info: { config: string; nodes: Array<{ name: string; container: string; ip: string }> };
/** The snapshot `etcd backup` took (restored later, once the whole cluster runs). */
let backupFile = "";
const ETCDCTL =
  "ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/etcd/pki/ca.crt " +
  "--cert=/etc/etcd/pki/member.crt --key=/etc/etcd/pki/member.key";

function sh(node: string, cmd: string): Promise<{ code: number; out: string }> {
  const c = info.nodes.find((n) => n.name === node)!.container;
  return new Promise((res) =>
    execFile("docker", ["exec", c, "sh", "-c", cmd], { maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    ),
  );
}
const onNodes = (cmd: string) => Promise.all(NODES.map((n) => sh(n, cmd)));
const bootIp = () => info.nodes.find((n) => n.name === "bootstrap")!.ip;
/** Files (with checksums), symlinks, directories and enabled units: what remove-cluster must restore. */
const SNAPSHOT = `{ find /etc /var/lib /usr/local/bin /usr/bin /usr/sbin /opt -xdev -type f -exec sha256sum {} + | awk '{print $2 " " $1}'; find /etc /var/lib /usr/local/bin /usr/bin /usr/sbin /opt -xdev -type l -printf '%p -> %l\\n'; find /etc /var/lib /opt -xdev -type d; systemctl list-unit-files --state=enabled --no-legend | awk '{print "enabled " $1}'; } 2>/dev/null | sort`;
/** Allowed differences after remove-cluster: package manager bookkeeping, and the backup copies useradd/userdel keep. */
const ALLOWED = /^(\/var\/lib\/(dpkg|apt|ucf)(\/| |$)|\/etc\/(passwd|group|shadow|gshadow)- )/;
const before = new Map<string, string[]>();
const changedCount = (out: string) =>
  events(out).filter((e) => e.event === "host_result" && e.status === "changed").length;

beforeAll(async () => {
  const up = await kplay(["sandbox", "up", "--nodes", "3", "--name", name], { env });
  expect(up.code, up.stderr).toBe(0);
  info = JSON.parse((await kplay(["sandbox", "status", "--name", name, "--json"], { env })).stdout);
}, 600_000);

afterAll(async () => {
  await kplay(["sandbox", "down", "--name", name], { env });
});

describe("deploy-cluster on the sandbox", () => {
  it("before: the nodes reach nothing outside, and apt has nothing to install from", async () => {
    for (const n of ["bootstrap", ...NODES]) before.set(n, (await sh(n, SNAPSHOT)).out.split("\n"));
    for (const r of await onNodes("ip route | grep -c '^default'; getent hosts example.com || echo no-dns"))
      expect(r.out).toBe("0\nno-dns\n");
    for (const r of await onNodes(
      "apt-get update -q -o APT::Update::Error-Mode=any >/dev/null 2>&1 && echo updated || echo no-source; apt-get install -y -q tree >/dev/null 2>&1 && echo installed || echo not-installed",
    )) {
      expect(r.out).toBe("no-source\nnot-installed\n");
    }
  });

  it("preflight: a port Kubernetes needs held by another program stops the node before any change", async () => {
    await sh("node3", "busybox nc -l -p 10250 >/dev/null 2>&1 & echo $! > /tmp/nc.pid");
    const before3 = (await sh("node3", "ls /etc/apt/sources.list.d; cat /etc/hosts | sha256sum")).out;
    const r = await kplay(
      [
        "deploy-cluster",
        ...sandbox,
        "--limit",
        "node3",
        "--state-dir",
        join(home, "preflight-state"),
        "--accept-new-host-keys",
        "--json",
      ],
      { env },
    );
    await sh("node3", "kill $(cat /tmp/nc.pid); rm -f /tmp/nc.pid");
    expect(r.code).toBe(1);
    const failed = events(r.stdout).filter((e) => e.event === "host_result" && e.status === "failed");
    expect(failed.map((e) => `${e.host}: ${e.task}`)).toEqual([
      "node3: Ports Kubernetes needs are free (or held by the cluster's own services)",
    ]);
    expect(String(failed[0].result.stderr ?? failed[0].result.msg)).toMatch(
      /ports Kubernetes needs are in use: 10250\((busybox|nc)\)/,
    );
    expect((await sh("node3", "ls /etc/apt/sources.list.d; cat /etc/hosts | sha256sum")).out).toBe(before3);
  });

  it("installs the offline node bootstrap; every acceptance check passes on every node", async () => {
    const r = await kplay(["deploy-cluster", ...sandbox, "--json"], { env });
    expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(0);
    // packages come from the bootstrap repo only
    for (const x of await onNodes(
      "apt-get update -q -o APT::Update::Error-Mode=any >/dev/null 2>&1 && apt-get install -y -q tree >/dev/null 2>&1 && tree --version | cut -d' ' -f1-2; cat /etc/apt/sources.list.d/kplay.list; ls /etc/apt/sources.list 2>/dev/null || echo moved-aside",
    )) {
      expect(x.out).toBe(
        `tree v2.1.0\ndeb [signed-by=/etc/apt/keyrings/kplay-bundle.asc] http://${bootIp()}:8080/repos/debian-12-amd64 ./\nmoved-aside\n`,
      );
    }
    // the registry domain, TLS with the system trust store
    for (const x of await onNodes(
      "getent hosts kube.registry.local | awk '{print $1}'; curl -fsS https://kube.registry.local/v2/ && echo ' tls-ok'",
    ))
      expect(x.out).toBe(`${bootIp()}\n{} tls-ok\n`);
    // containerd pulls by upstream name through the mirror (TLS verified) and runs the image
    const pull = await onNodes(
      "systemctl is-active containerd; ! grep -rq skip_verify /etc/containerd && echo no-skip-verify; " +
        "ctr -n k8s.io images pull --hosts-dir /etc/containerd/certs.d registry.k8s.io/pause:3.9 >/dev/null 2>&1 && echo pulled-pause; " +
        "ctr images pull --hosts-dir /etc/containerd/certs.d docker.io/library/busybox:1.36 >/dev/null 2>&1 && echo pulled-busybox; " +
        // (ctr run may add a log line of its own, e.g. "active check failed ... context canceled")
        "ctr run --rm --snapshotter native docker.io/library/busybox:1.36 t$$ /bin/busybox echo hello-from-busybox 2>/dev/null | grep -x hello-from-busybox",
    );
    for (const x of pull)
      expect(x.out).toBe("active\nno-skip-verify\npulled-pause\npulled-busybox\nhello-from-busybox\n");
    // containerd's CRI config names the internal registry's pause image and systemd cgroups
    for (const x of await onNodes(
      "grep -E 'sandbox_image|SystemdCgroup|config_path' /etc/containerd/config.toml | tr -s ' '",
    )) {
      expect(x.out).toBe(
        ' sandbox_image = "registry.k8s.io/pause:3.9"\n SystemdCgroup = true\n config_path = "/etc/containerd/certs.d"\n',
      );
    }
    // chrony follows the bootstrap node (selected source, within a few polls)
    for (const n of NODES) {
      let out = "";
      for (let i = 0; i < 40 && !out.includes(`^* ${bootIp()}`); i++) {
        out = (await sh(n, "chronyc -n sources")).out;
        if (!out.includes(`^* ${bootIp()}`)) await new Promise((r) => setTimeout(r, 500));
      }
      expect(out).toContain(`^* ${bootIp()}`);
    }
    // keys are private, on the controller and on the bootstrap node
    const pki = join(home, "sandbox", name, "pki");
    for (const k of ["ca.key", "registry.key"]) expect(statSync(join(pki, k)).mode & 0o777).toBe(0o600);
    expect(
      (await sh("bootstrap", "stat -c %a /etc/kplay/pki/registry.key; ss -Hltn 'sport = :5000' | awk '{print $4}'"))
        .out,
    ).toBe("600\n127.0.0.1:5000\n");
    // the cluster nodes are in every node's hosts block
    for (const x of await onNodes("sed -n '/# BEGIN kplay cluster/,/# END kplay cluster/p' /etc/hosts | grep -c node"))
      expect(x.out).toBe("3\n");
  });

  it("etcd: three members over TLS, healthy, replicating; no plain-HTTP access; keys private", async () => {
    const etcdctl =
      "ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/etcd/pki/ca.crt --cert=/etc/etcd/pki/member.crt --key=/etc/etcd/pki/member.key";
    const health = await sh(
      "node1",
      `${etcdctl} endpoint health --cluster 2>&1 | grep -c 'is healthy'; ${etcdctl} member list -w simple | cut -d, -f3 | sort | tr -d ' \\n'`,
    );
    expect(health.out).toBe("3\nnode1node2node3");
    expect((await sh("node1", `${etcdctl} put kplay-test from-node1`)).out).toBe("OK\n");
    expect((await sh("node3", `${etcdctl} get kplay-test --print-value-only`)).out).toBe("from-node1\n");
    expect(
      (
        await sh(
          "node2",
          "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:2379/health; echo; stat -c '%a %U' /etc/etcd/pki/member.key",
        )
      ).out,
    ).toMatch(/^000\n600 etcd\n$/);
    const pki = join(home, "sandbox", name, "pki", "etcd");
    for (const k of ["ca.key", "member-node1.key", "apiserver-etcd-client.key"])
      expect(statSync(join(pki, k)).mode & 0o777).toBe(0o600);
  });

  it("etcd backup: a checked snapshot on the controller (0600) holding what was written, through a member that answers", async () => {
    const etcdctl =
      "ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/etcd/pki/ca.crt " +
      "--cert=/etc/etcd/pki/member.crt --key=/etc/etcd/pki/member.key";
    expect((await sh("node2", `${etcdctl} put /kplay-test/backup backup-value-4711`)).out).toBe("OK\n");
    // node1 (the first member) does not answer: the snapshot is taken through node2
    await sh("node1", "systemctl stop etcd");
    const out = join(home, "etcd-backups");
    const r = await kplay(["etcd", "backup", ...sandbox, "--out", out], { env });
    await sh("node1", "systemctl start etcd");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const db = readdirSync(out).filter((f) => f.endsWith(".db"));
    expect(db).toHaveLength(1);
    const file = join(out, db[0]);
    backupFile = file;
    const meta = JSON.parse(readFileSync(`${file}.json`, "utf8"));
    expect(meta.member).toBe("node2");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(`${file}.json`).mode & 0o777).toBe(0o600);
    expect(createHash("sha256").update(readFileSync(file)).digest("hex")).toBe(meta.sha256);
    expect(readFileSync(file).includes("backup-value-4711")).toBe(true);
    // etcdctl reads the controller's copy as the same snapshot
    execFileSync("docker", ["cp", file, `${info.nodes.find((n) => n.name === "node3")!.container}:/tmp/check.db`]);
    const st = (await sh("node3", "ETCDCTL_API=3 etcdctl snapshot status /tmp/check.db -w simple; rm -f /tmp/check.db"))
      .out;
    expect(st.split(", ").slice(1, 3).map(Number)).toEqual([meta.revision, meta.keys]);
    // no copy left on either member tried, nor the directory that held it
    for (const n of ["node1", "node2"])
      expect((await sh(n, "test -e /var/lib/kplay/etcd-snapshots && echo left || echo gone")).out).toBe("gone\n");
  });

  it("kubernetes (stand-ins for kubeadm/kubelet/kubectl): init once on node1, join on node2 and node3, configs as rendered, every node Ready", async () => {
    const ipOf = (n: string) => info.nodes.find((x) => x.name === n)!.ip;
    // the calls the stand-ins recorded: init once on the first control plane, one join on each other node
    const calls = await onNodes(
      "grep -oE 'kubeadm (init|join|reset)[^-]*--config [^ ]+' /var/log/kplay-standin/calls.log",
    );
    expect(calls.map((c) => c.out)).toEqual([
      "kubeadm init --config /etc/kubernetes/kubeadm-config.yaml\n",
      "kubeadm join --config /etc/kubernetes/kubeadm-join.yaml\n",
      "kubeadm join --config /etc/kubernetes/kubeadm-join.yaml\n",
    ]);
    // the rendered init configuration (the stand-in validated it against kubeadm's fields; read it here too)
    const docs = parseAllDocuments((await sh("node1", "cat /etc/kubernetes/kubeadm-config.yaml")).out).map((d) =>
      d.toJS(),
    );
    const cc = docs.find((d) => d.kind === "ClusterConfiguration");
    expect(cc).toMatchObject({
      apiVersion: "kubeadm.k8s.io/v1beta3",
      kubernetesVersion: "v1.28.4",
      controlPlaneEndpoint: `${ipOf("node1")}:6443`,
      imageRepository: "kube.registry.local/library",
      networking: { podSubnet: "10.233.64.0/18", serviceSubnet: "10.233.0.0/18" },
    });
    expect(cc.etcd.external.endpoints).toEqual(NODES.map((n) => `https://${ipOf(n)}:2379`));
    expect(docs.map((d) => d.kind)).toEqual([
      "InitConfiguration",
      "ClusterConfiguration",
      "KubeletConfiguration",
      "KubeProxyConfiguration",
    ]);
    // a worker's join: the token the control plane knows and the hash of its real CA
    const join2 = parseAllDocuments((await sh("node2", "cat /etc/kubernetes/kubeadm-join.yaml")).out)[0].toJS();
    const caHash = (
      await sh(
        "node1",
        "openssl x509 -pubkey -in /etc/kubernetes/pki/ca.crt -noout | openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1",
      )
    ).out.trim();
    expect(join2.discovery.bootstrapToken.caCertHashes).toEqual([`sha256:${caHash}`]);
    expect(join2.discovery.bootstrapToken.apiServerEndpoint).toBe(`${ipOf("node1")}:6443`);
    expect(join2.controlPlane).toBeUndefined();
    const token = String(join2.discovery.bootstrapToken.token);
    expect(token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    expect((await sh("node1", `cut -d' ' -f1 /var/lib/kplay-standin/apiserver/tokens | grep -cx ${token}`)).out).toBe(
      "1\n",
    );
    // the token is in no log or state file of kplay's
    const stateDir = join(home, "sandbox", name);
    for (const f of ["run.log", "journal.jsonl", "steps"])
      expect(readFileSync(join(stateDir, f), "utf8")).not.toContain(token.split(".")[1]);
    // every node registered and Ready (kubelets running, reporting to the API)
    expect((await sh("node1", "kubectl get nodes --no-headers | awk '{print $1, $2}'")).out).toBe(
      "node1 Ready\nnode2 Ready\nnode3 Ready\n",
    );
    for (const x of await onNodes(
      "systemctl is-active kubelet; systemctl is-enabled kubelet; crictl version >/dev/null && echo crictl-ok; CNI_COMMAND=VERSION /opt/cni/bin/bridge | grep -o '\"cniVersion\"'",
    ))
      expect(x.out).toBe('active\nenabled\ncrictl-ok\n"cniVersion"\n');
    // the admin kubeconfig: on the control plane for root, and kept on the controller, private
    const admin = join(stateDir, "pki", "admin.conf");
    expect(statSync(admin).mode & 0o777).toBe(0o600);
    expect(readFileSync(admin, "utf8")).toBe((await sh("node1", "cat /root/.kube/config")).out);
  });

  it("certs check: every certificate kplay or kubeadm made, per host, with its expiry; a threshold beyond them fails", async () => {
    const r = await kplay(["certs", "check", ...sandbox, "--json"], { env });
    expect(r.code, r.stdout.slice(-2000) + r.stderr).toBe(0);
    const certs = events(r.stdout).filter((e) => e.event === "certificate");
    const pki = join(home, "sandbox", name, "pki");
    expect(certs.map((c) => `${c.host} ${c.file} ${c.ca}`)).toEqual(
      expect.arrayContaining([
        `(controller) ${pki}/ca.crt true`,
        `(controller) ${pki}/registry.crt false`,
        "bootstrap /etc/kplay/pki/registry.crt false",
        "node1 /etc/etcd/pki/ca.crt true",
        "node1 /etc/etcd/pki/member.crt false",
        "node3 /usr/local/share/ca-certificates/kplay-ca.crt true",
      ]),
    );
    for (const c of certs) expect(c.daysLeft, `${c.host} ${c.file}`).toBeGreaterThan(30);
    // the expiry is the certificate's own, as openssl reads it on the node
    const end = (await sh("node2", "openssl x509 -noout -enddate -in /etc/etcd/pki/member.crt")).out.trim();
    expect(certs.find((c) => c.host === "node2" && c.file === "/etc/etcd/pki/member.crt")!.notAfter).toBe(
      end.replace(/^notAfter=/, ""),
    );
    const soon = await kplay(["certs", "check", ...sandbox, "--warn-days", "100000"], { env });
    expect(soon.code).toBe(1);
    expect(soon.stderr).toMatch(/certificate\(s\) expire within 100000 days/);
    expect(soon.stdout).toMatch(/EXPIRES SOON/);
  });

  it("pod network: calico's manifest with images from the internal registry and the pod subnet, applied once, every node Ready", async () => {
    const m = (await sh("node1", "cat /etc/kubernetes/addons/calico.yaml")).out;
    const images = [...m.matchAll(/image:\s*(\S+)/g)].map((x) => x[1]);
    expect([...new Set(images)].sort()).toEqual([
      "kube.registry.local/library/calico/cni:v3.26.4",
      "kube.registry.local/library/calico/kube-controllers:v3.26.4",
      "kube.registry.local/library/calico/node:v3.26.4",
    ]);
    expect(m).toMatch(/- name: CALICO_IPV4POOL_CIDR\n\s+value: "10\.233\.64\.0\/18"/);
    const cp = await sh(
      "node1",
      "grep -c 'apply -f /etc/kubernetes/addons/calico.yaml' /var/log/kplay-standin/calls.log; grep -c 'wait --for=condition=Ready nodes --all' /var/log/kplay-standin/calls.log; ls /var/lib/kplay-standin/apiserver/applied | grep -c calico",
    );
    expect(cp.out).toBe("1\n1\n7\n");
  });

  it("cluster apps: CoreDNS from the internal registry, it and the pause image pulled into containerd on every node, rolled out", async () => {
    // kubeadm's CoreDNS Deployment (in the stand-in API) names the internal registry
    expect(
      (
        await sh(
          "node1",
          "kubectl -n kube-system get deployment coredns -o 'jsonpath={.spec.template.spec.containers[0].image}'",
        )
      ).out,
    ).toBe("kube.registry.local/library/coredns/coredns:v1.10.1");
    // containerd on every node holds both images, pulled through the internal registry (its TLS
    // front's access log shows each node asking for CoreDNS's manifest)
    for (const x of await onNodes("ctr -n k8s.io images ls -q | grep -v '^sha256:' | sort"))
      expect(x.out).toBe("kube.registry.local/library/coredns/coredns:v1.10.1\nregistry.k8s.io/pause:3.9\n");
    const reg = (
      await sh(
        "bootstrap",
        "grep ' /v2/library/coredns/coredns/manifests/v1.10.1 HTTP/1.1\" 200 ' /var/log/nginx/access.log | awk '{print $1}' | sort -u",
      )
    ).out;
    expect(reg.split("\n").filter(Boolean).sort()).toEqual(
      NODES.map((n) => info.nodes.find((x) => x.name === n)!.ip).sort(),
    );
    expect(
      (await sh("node1", "grep -c 'rollout status deployment/coredns' /var/log/kplay-standin/calls.log")).out,
    ).toBe("1\n");
  });

  it("certs renew: new registry, etcd and kubeadm leaf certificates, every CA byte-identical, the registry trusted throughout", async () => {
    const pki = join(home, "sandbox", name, "pki");
    const cas = () => [readFileSync(join(pki, "ca.crt")), readFileSync(join(pki, "etcd", "ca.crt"))];
    const nodeCas = "sha256sum /etc/etcd/pki/ca.crt /usr/local/share/ca-certificates/kplay-ca.crt";
    const leaf = "sha256sum /etc/etcd/pki/member.crt /etc/etcd/pki/member.key";
    const served =
      "openssl s_client -connect kube.registry.local:443 -servername kube.registry.local </dev/null 2>/dev/null" +
      " | openssl x509 -noout -fingerprint";
    const [casBefore, nodeCasBefore, leafBefore, servedBefore] = [
      cas(),
      await onNodes(nodeCas),
      await onNodes(leaf),
      (await sh("node1", served)).out,
    ];
    const manifest = (await sh("node1", "sha256sum /etc/kubernetes/manifests/*.yaml")).out;
    const kubeadmPki =
      "sha256sum /etc/kubernetes/pki/ca.crt; openssl x509 -noout -serial -in /etc/kubernetes/pki/apiserver.crt";
    const kubeadmBefore = (await sh("node1", kubeadmPki)).out;
    // node1 asks the registry every 0.2 s while the certificates change
    const c1 = info.nodes.find((n) => n.name === "node1")!.container;
    const loop =
      "rm -f /tmp/stop-pulls; while [ ! -e /tmp/stop-pulls ]; do " +
      "curl -fsS -o /dev/null https://kube.registry.local/v2/ && echo ok || echo FAIL; sleep 0.2; done > /tmp/pulls.log 2>&1";
    execFileSync("docker", ["exec", "-d", c1, "sh", "-c", loop]);
    const r = await kplay(["certs", "renew", ...sandbox], { env });
    await sh("node1", "sleep 1; touch /tmp/stop-pulls; sleep 1");
    expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(0);
    const pulls = (await sh("node1", "sort /tmp/pulls.log | uniq -c")).out;
    expect(pulls).not.toMatch(/FAIL|curl/);
    expect(pulls).toMatch(/^\s*\d+ ok\n$/);
    // the CAs did not change anywhere; every leaf did
    expect(cas()).toEqual(casBefore);
    expect((await onNodes(nodeCas)).map((x) => x.out)).toEqual(nodeCasBefore.map((x) => x.out));
    const leafAfter = await onNodes(leaf);
    for (const [i, x] of leafAfter.entries()) expect(x.out).not.toBe(leafBefore[i].out);
    const servedAfter = (await sh("node1", served)).out;
    expect(servedAfter).not.toBe(servedBefore);
    const fp = execFileSync("openssl", ["x509", "-noout", "-fingerprint", "-in", join(pki, "registry.crt")], {
      encoding: "utf8",
    });
    expect(servedAfter).toBe(fp);
    expect(readdirSync(join(pki, "replaced"))).toHaveLength(1);
    // pulls through containerd verify the new certificate on every node; etcd healthy with the new ones
    const pull =
      "ctr -n k8s.io images rm registry.k8s.io/pause:3.9 >/dev/null && crictl pull registry.k8s.io/pause:3.9";
    for (const x of await onNodes(pull)) expect(x.code, x.out).toBe(0);
    const health = await sh("node3", `${ETCDCTL} endpoint health --cluster 2>&1 | grep -c 'is healthy'`);
    expect(health.out).toBe("3\n");
    expect((await sh("node1", "sha256sum /etc/kubernetes/manifests/*.yaml")).out).toBe(manifest);
    // kubeadm's: renewed by kubeadm on the control plane (a new serial, the same CA), the admin
    // kubeconfig on the controller the node's
    const [caNow, serialNow] = (await sh("node1", kubeadmPki)).out.split("\n");
    const [caThen, serialThen] = kubeadmBefore.split("\n");
    expect(caNow).toBe(caThen);
    expect(serialNow).toMatch(/^serial=/);
    expect(serialNow).not.toBe(serialThen);
    expect((await sh("node1", "grep -c 'kubeadm certs renew all' /var/log/kplay-standin/calls.log")).out).toBe("1\n");
    expect(readFileSync(join(pki, "admin.conf"), "utf8")).toBe(
      (await sh("node1", "cat /etc/kubernetes/admin.conf")).out,
    );
  });

  it("registry credentials: a push from the controller without them is refused (401), with the cluster's it lands; the password is shown nowhere", async () => {
    const dir = join(home, "sandbox", name);
    const ip = bootIp();
    const penv = { ...env, DOCKER_CONFIG: join(home, "no-docker-config"), REGISTRY_AUTH_FILE: "" };
    const layout = join(home, "push-layout");
    const ca = ["--ca-file", join(dir, "pki", "ca.crt")];
    const pulled = await kplay(["images", "mirror", `${ip}/registry.k8s.io/pause:3.9`, "--to-dir", layout, ...ca], {
      env: penv,
    });
    expect(pulled.code, pulled.stdout + pulled.stderr).toBe(0);
    const mapping = join(home, "push-mapping");
    writeFileSync(mapping, `${ip}/registry.k8s.io/pause:3.9 kplay-test/pause:pushed\n`);
    const push = ["images", "push", "--from-dir", layout, "--registry", ip, "--mapping", mapping];
    const anonymous = await kplay([...push, ...ca], { env: penv });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stdout + anonymous.stderr).toMatch(/asks for credentials \(basic auth\) and none are configured/);
    // the registry's answer itself, to any host without credentials: 401 with a basic challenge
    const upload = await sh(
      "node2",
      "curl -s -o /dev/null -D - -X POST https://kube.registry.local/v2/kplay-test/x/blobs/uploads/ | head -n 1; " +
        "curl -s -o /dev/null -D - -X POST https://kube.registry.local/v2/kplay-test/x/blobs/uploads/ | grep -i '^www-authenticate'",
    );
    expect(upload.out).toMatch(/^HTTP\/1\.1 401 [^\n]*\nwww-authenticate: Basic realm="kplay registry push"/i);
    const manifest =
      "curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.oci.image.index.v1+json' " +
      "-H 'Accept: application/vnd.docker.distribution.manifest.list.v2+json' " +
      "-H 'Accept: application/vnd.oci.image.manifest.v1+json' " +
      "-H 'Accept: application/vnd.docker.distribution.manifest.v2+json' " +
      "https://kube.registry.local/v2/kplay-test/pause/manifests/pushed";
    expect((await sh("node2", manifest)).out).toBe("404");
    const withState = await kplay([...push, ...sandbox], { env: penv });
    expect(withState.code, withState.stdout + withState.stderr).toBe(0);
    expect((await sh("node2", manifest)).out).toBe("200");
    // the password: in its 0600 file on the controller and nowhere else (outputs, state, the node)
    const authFile = join(dir, "pki", "registry-auth.json");
    expect(statSync(authFile).mode & 0o777).toBe(0o600);
    const auths = JSON.parse(readFileSync(authFile, "utf8")).auths;
    const password = Buffer.from(auths["kube.registry.local"].auth, "base64").toString().split(":")[1];
    expect(password).toMatch(/^[0-9a-f]{48}$/);
    for (const r of [pulled, anonymous, withState]) expect(r.stdout + r.stderr).not.toContain(password);
    // in clear nowhere in the state directory; encoded (docker's auth form) only in its own file
    const grep = (what: string) =>
      spawnSync("grep", ["-rlF", "--", what, dir], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);
    expect(grep(password)).toEqual([]);
    expect(grep(auths["kube.registry.local"].auth)).toEqual([authFile]);
    const onBoot = await sh(
      "bootstrap",
      `grep -rlF -- ${password} /etc /var/lib/kplay /var/log /root /tmp || echo none`,
    );
    expect(onBoot.out).toBe("none\n");
    expect((await sh("bootstrap", "stat -c '%a %U %G' /etc/kplay/registry.htpasswd")).out).toBe("640 root www-data\n");
  });

  it("registry_pull_auth: anonymous pulls refused (401), every node's containerd pulls with its own credentials; switched off, anonymous pulls work again", async () => {
    const dir = join(home, "sandbox", name);
    const original = readFileSync(info.config, "utf8");
    const manifest =
      "curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.oci.image.index.v1+json' " +
      "-H 'Accept: application/vnd.docker.distribution.manifest.list.v2+json' " +
      "-H 'Accept: application/vnd.oci.image.manifest.v1+json' " +
      "-H 'Accept: application/vnd.docker.distribution.manifest.v2+json' " +
      "https://kube.registry.local/v2/registry.k8s.io/pause/manifests/3.9";
    const pull =
      "ctr -n k8s.io images rm registry.k8s.io/pause:3.9 >/dev/null && crictl pull registry.k8s.io/pause:3.9 >/dev/null" +
      " && stat -c '%a' /etc/containerd/config.toml";
    let deployOut = "";
    try {
      const cfg = parse(original);
      cfg.default.registry_pull_auth = true;
      writeFileSync(info.config, JSON.stringify(cfg));
      const on = await kplay(["deploy-cluster", ...sandbox, "--restart"], { env });
      deployOut = on.stdout + on.stderr;
      expect(on.code, on.stdout.slice(-3000) + on.stderr).toBe(0);
      expect((await sh("node2", manifest)).out).toBe("401");
      for (const x of await onNodes(pull)) expect(x.out, x.out).toBe("600\n");
    } finally {
      writeFileSync(info.config, original);
    }
    // the pull password: in clear only in its own 0600 file on the controller (and in each
    // node's containerd configuration, 0600)
    const pwFile = join(dir, "pki", "registry-pull-password");
    expect(statSync(pwFile).mode & 0o777).toBe(0o600);
    const pw = readFileSync(pwFile, "utf8");
    expect(pw).toMatch(/^[0-9a-f]{48}$/);
    expect(deployOut).not.toContain(pw);
    const inClear = spawnSync("grep", ["-rlF", "--", pw, dir], { encoding: "utf8" }).stdout.trim().split("\n");
    expect(inClear).toEqual([pwFile]);
    const off = await kplay(["deploy-cluster", ...sandbox, "--restart"], { env });
    expect(off.code, off.stdout.slice(-3000) + off.stderr).toBe(0);
    expect((await sh("node2", manifest)).out).toBe("200");
    for (const x of await onNodes(`${pull}; grep -c kplay-pull /etc/containerd/config.toml`))
      expect(x.out).toBe("600\n0\n");
  }, 600_000);

  it("etcd restore: every member back to the snapshot (later keys gone), all healthy, kube-apiserver's manifest kept", async () => {
    expect(backupFile).not.toBe("");
    expect((await sh("node3", `${ETCDCTL} put /kplay-test/after-backup later-value`)).out).toBe("OK\n");
    const clusterId = `${ETCDCTL} endpoint status -w json | grep -o '"cluster_id":[0-9]*'`;
    const idBefore = (await sh("node1", clusterId)).out;
    const manifest = "sha256sum /etc/kubernetes/manifests/kube-apiserver.yaml";
    const manifestBefore = (await sh("node1", manifest)).out;
    expect(manifestBefore).toMatch(/^[0-9a-f]{64} /);
    // a snapshot that does not match its record stops before anything runs, as bad input
    const bad = join(home, "etcd-bad.db");
    writeFileSync(bad, readFileSync(backupFile));
    writeFileSync(`${bad}.json`, JSON.stringify({ sha256: "0".repeat(64) }));
    const refused = await kplay(["etcd", "restore", bad, ...sandbox, "--yes"], { env });
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/its record .* says 0000/);

    const r = await kplay(["etcd", "restore", backupFile, ...sandbox, "--yes"], { env });
    expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/every member healthy/);
    for (const n of NODES) {
      // exactly what the snapshot held: the key written before it, not the one after
      const keys = await sh(n, `${ETCDCTL} get --prefix /kplay-test/ --keys-only | grep .`);
      expect(keys.out, n).toBe("/kplay-test/backup\n");
      expect((await sh(n, `${ETCDCTL} get kplay-test --print-value-only`)).out).toBe("from-node1\n");
      const dirs = await sh(
        n,
        "stat -c '%U %a' /var/lib/etcd/kplay; ls -d /var/lib/etcd/kplay.before-restore-* | wc -l",
      );
      expect(dirs.out).toBe("etcd 700\n1\n");
      expect((await sh(n, "test -e /var/lib/kplay/etcd-restore && echo left || echo gone")).out).toBe("gone\n");
    }
    const health = await sh(
      "node2",
      `${ETCDCTL} endpoint health --cluster 2>&1 | grep -c 'is healthy'; ` +
        `${ETCDCTL} member list -w simple | cut -d, -f2,3 | sort | tr -d ' \\n'`,
    );
    expect(health.out).toBe("3\nstarted,node1started,node2started,node3");
    // a new cluster (new token), the same members; the API server's manifest back byte for byte
    expect((await sh("node1", clusterId)).out).not.toBe(idBefore);
    expect((await sh("node1", manifest)).out).toBe(manifestBefore);
    expect((await sh("node1", "test -e /etc/kubernetes/kplay-apiserver-aside && echo left || echo gone")).out).toBe(
      "gone\n",
    );
  });

  it("backup, the state directory wiped, restore-state: every file back (the next test finds every step done)", async () => {
    const dir = join(home, "sandbox", name);
    const ca = readFileSync(join(dir, "pki", "ca.crt"));
    const out = join(home, "controller-state.tgz");
    const b = await kplay(["backup", ...sandbox, "--out", out], { env });
    expect(b.code, b.stderr).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const listing = (d: string) =>
      execFileSync("sh", ["-c", `cd "$1" && find . -type f ! -name run.log ! -path './backups/*' | sort`, "-", d], {
        encoding: "utf8",
      });
    const before = listing(dir);
    expect(before).toMatch(/\.\/pki\/etcd\/ca\.key\n/);
    rmSync(dir, { recursive: true, force: true });
    const r = await kplay(["restore-state", out, ...sandbox], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(listing(dir)).toBe(before);
    expect(readFileSync(join(dir, "pki", "ca.crt"))).toEqual(ca);
    expect(statSync(join(dir, "pki", "ca.key")).mode & 0o777).toBe(0o600);
  });

  it("a re-run skips every step; --restart changes nothing and keeps the CA", async () => {
    const ca = readFileSync(join(home, "sandbox", name, "pki", "ca.crt"), "utf8");
    const again = await kplay(["deploy-cluster", ...sandbox, "--json"], { env });
    expect(again.code).toBe(0);
    const skipped = events(again.stdout).filter((e) => e.event === "step_skip" && e.reason === "done" && e.hosts > 0);
    expect(skipped.map((e) => e.step)).toEqual([
      "00-bootstrap-node",
      "00-default-ssh-config",
      "01-cluster-bootstrap-os",
      "01-container-engine",
      "02-cluster-etcd",
      "03-cluster-kubernetes",
      "04-cluster-network",
      "05-cluster-apps",
    ]);
    expect(events(again.stdout).filter((e) => e.event === "host_result")).toEqual([]);
    const restart = await kplay(["deploy-cluster", ...sandbox, "--json", "--restart"], { env });
    expect(restart.code, restart.stdout.slice(-2000)).toBe(0);
    expect(changedCount(restart.stdout)).toBe(0);
    expect(readFileSync(join(home, "sandbox", name, "pki", "ca.crt"), "utf8")).toBe(ca);
  });

  it("a CA removed by hand comes back with --restart, and TLS verifies again", async () => {
    const gone = await sh(
      "node2",
      "rm -f /usr/local/share/ca-certificates/kplay-ca.crt && update-ca-certificates --fresh >/dev/null 2>&1; curl -fsS https://kube.registry.local/v2/ >/dev/null 2>&1 && echo trusted || echo untrusted",
    );
    expect(gone.out).toBe("untrusted\n");
    const r = await kplay(["deploy-cluster", ...sandbox, "--json", "--restart"], { env });
    expect(r.code).toBe(0);
    const changed = events(r.stdout)
      .filter((e) => e.event === "host_result" && e.status === "changed")
      .map((e) => `${e.host}: ${e.task}`);
    expect(changed).toEqual(["node2: Cluster CA in the system trust store", "node2: update CA trust"]);
    expect((await sh("node2", "curl -fsS https://kube.registry.local/v2/ && echo ' trusted'")).out).toBe(
      "{} trusted\n",
    );
  });

  it("the README's growth: sandbox up --nodes 4 adds node4, add-to-cluster + add-node make it Ready, remove-node takes it out", async () => {
    const up = await kplay(["sandbox", "up", "--nodes", "4", "--name", name], { env });
    expect(up.code, up.stderr).toBe(0);
    info = JSON.parse((await kplay(["sandbox", "status", "--name", name, "--json"], { env })).stdout);
    const put = await kplay(["sandbox", "add-to-cluster", "node4", "--name", name], { env });
    expect(put.code, put.stderr).toBe(0);
    const add = await kplay(["add-node", "node4", ...sandbox, "--json"], { env });
    expect(add.code, add.stderr).toBe(0);
    const touched = new Set(
      events(add.stdout)
        .filter((e) => e.event === "host_result")
        .map((e) => e.host),
    );
    expect([...touched].filter((h) => h !== "node4" && h !== "bootstrap")).toEqual([]); // others not touched
    const nodes = "kubectl get nodes --no-headers | awk '{print $1, $2}'";
    expect((await sh("node1", nodes)).out).toBe("node1 Ready\nnode2 Ready\nnode3 Ready\nnode4 Ready\n");
    const rm = await kplay(["remove-node", "node4", ...sandbox, "--yes", "--json"], { env });
    expect(rm.code, rm.stderr).toBe(0);
    expect((await sh("node1", nodes)).out).toBe("node1 Ready\nnode2 Ready\nnode3 Ready\n");
    expect((await sh("node4", "test -e /etc/kubernetes/kubelet.conf && echo joined || echo reset")).out).toBe(
      "reset\n",
    );
  });

  it("a config with a URL without scheme stops before any node is touched", async () => {
    const cfg = parse(readFileSync(info.config, "utf8"));
    cfg.default.offline_resources_url = `${bootIp()}:8080`;
    const bad = join(home, "bad-config.yaml");
    writeFileSync(bad, JSON.stringify(cfg));
    const before = await onNodes("stat -c %Y /etc/hosts /etc/containerd/config.toml");
    const r = await kplay(["deploy-cluster", "-c", bad, "--state-dir", join(home, "bad-state")], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /bad-config\.yaml.*default\.offline_resources_url: ".*:8080" is not a URL: it needs a scheme/,
    );
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
    expect(await onNodes("stat -c %Y /etc/hosts /etc/containerd/config.toml")).toEqual(before);
  });

  it("upgrade-cluster: v1.30 refused untouched; to v1.29.0 the first control plane first, then one worker at a time; a controller killed mid-rollout continues without draining a finished node again", async () => {
    const original = readFileSync(info.config, "utf8");
    const withVersion = (v: string, o: { checkImages?: boolean } = {}) => {
      const cfg = parse(original);
      cfg.kubespray.kube_version = v;
      if (o.checkImages) cfg.default.upgrade_check_images = true;
      // node4 left the cluster (remove-node) earlier: out of the inventory too, as an operator does
      delete cfg.inventory.all.hosts.node4;
      for (const g of Object.values(cfg.inventory.all.children) as Array<{ hosts?: Record<string, unknown> } | null>)
        if (g?.hosts) delete g.hosts.node4;
      writeFileSync(info.config, JSON.stringify(cfg));
    };
    // the stand-in API server's upgrade log (cordons of earlier tests left out)
    const all = async () =>
      (await sh("node1", "cut -d' ' -f2- /var/lib/kplay-standin/apiserver/upgrade.log 2>/dev/null")).out;
    const earlier = (await all()).length;
    const log = async () => (await all()).slice(earlier);
    const snapshots = () =>
      readdirSync(join(home, "sandbox", name, "backups", "etcd")).filter((f) => f.endsWith(".db"));
    const snapsBefore = existsSync(join(home, "sandbox", name, "backups", "etcd")) ? snapshots().length : 0;
    let upgraded = "";
    // at the target: --dry-run and a re-run say so and drain nothing; a node left cordoned (its
    // uncordon cut off, its record gone) is uncordoned only; no snapshot is taken by either
    const rerunsAtTarget = async () => {
      const mark = (await all()).length;
      const since = async () => (await all()).slice(mark);
      const snaps = snapshots().length;
      const dry = await kplay(["upgrade-cluster", ...sandbox, "--dry-run"], { env });
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toMatch(/upgrade to v1\.29\.0: every node is at v1\.29\.0; nothing to do/);
      await sh("node1", "kubectl --kubeconfig /etc/kubernetes/admin.conf cordon node3");
      const planned = await kplay(["upgrade-cluster", ...sandbox, "--dry-run"], { env });
      expect(planned.stdout).toMatch(/uncordoned only \(at v1\.29\.0, left cordoned\): node3/);
      expect(planned.stdout).toMatch(/left alone \(already at v1\.29\.0\): node1, node2/);
      const mended = await kplay(["upgrade-cluster", ...sandbox], { env });
      expect(mended.code, mended.stdout.slice(-2000) + mended.stderr).toBe(0);
      const rerun = await kplay(["upgrade-cluster", ...sandbox], { env });
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.stdout).toMatch(/every node is at v1\.29\.0; nothing to do/);
      expect(await since()).toBe("cordon node3\nuncordon node3\n");
      expect(snapshots().length).toBe(snaps);
    };
    try {
      // two minor versions up: refused before anything runs or changes
      withVersion("v1.30.0");
      const refused = await kplay(["upgrade-cluster", ...sandbox], { env });
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toMatch(/node2 runs v1\.28\.4: kubeadm upgrades one minor version at a time/);
      expect(await log()).toBe("");
      // the bundle lacks v1.29.0's control plane images (the stand-ins need none): asked for, refused
      withVersion("v1.29.0", { checkImages: true });
      const noImages = await kplay(["upgrade-cluster", ...sandbox], { env });
      expect(noImages.code).toBe(1);
      expect(noImages.stdout).toMatch(/FAILED at "The internal registry holds kube_version's control plane images"/);
      expect(noImages.stderr).toMatch(/stopped in its preflight; nothing changed/);
      expect(await log()).toBe("");
      withVersion("v1.29.0");
      // the controller is killed (SIGKILL) while node3, the second worker, is being upgraded
      const first = spawnKplay(["upgrade-cluster", ...sandbox], { env });
      const deadline = Date.now() + 240_000;
      while (!/cordon node3\n/.test(await log()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 150));
      first.child.kill("SIGKILL");
      const cut = await first.done;
      expect(cut.stdout, cut.stderr).toMatch(/etcd snapshot before the upgrade/);
      expect(await log()).not.toMatch(/uncordon node3/);
      const again = await kplay(["upgrade-cluster", ...sandbox], { env });
      expect(again.code, again.stdout.slice(-3000) + again.stderr).toBe(0);
      // where the kill landed decides what is left: node3 mid-upgrade (the rollout continues), or
      // node3 already at v1.29.0 and still cordoned (it is uncordoned only, never drained again)
      expect(again.stdout).toMatch(
        /continuing the upgrade begun earlier|uncordoned only \(at v1\.29\.0, left cordoned\): node3/,
      );
      upgraded = await log();
      await rerunsAtTarget();
    } finally {
      writeFileSync(info.config, original);
    }
    const lines = upgraded.trim().split("\n");
    // apply on the first control plane before anything else; each node cordoned once (node3 maybe
    // twice: it was cut mid-way) and uncordoned before the next is cordoned
    expect(lines[0]).toBe("apply node1 v1.28.4->v1.29.0");
    const count = (l: string) => lines.filter((x) => x === l).length;
    expect([count("cordon node1"), count("cordon node2"), count("uncordon node1"), count("uncordon node2")]).toEqual([
      1, 1, 1, 1,
    ]);
    let cordoned: string | undefined;
    for (const l of lines) {
      const [what, node] = l.split(" ");
      if (what === "cordon") {
        expect(cordoned === undefined || cordoned === node, `${l} while ${cordoned} is cordoned`).toBe(true);
        cordoned = node;
      } else if (what === "uncordon") cordoned = undefined;
    }
    expect(lines.filter((l) => l.startsWith("node ")).map((l) => l.split(" ")[1])).toEqual(
      expect.arrayContaining(["node2", "node3"]),
    );
    expect(lines.indexOf("uncordon node2")).toBeLessThan(lines.indexOf("cordon node3"));
    // every node Ready on v1.29.0, the binaries and the control plane's manifests of that version
    expect((await sh("node1", "kubectl get nodes --no-headers | awk '{print $1, $2, $4}'")).out).toBe(
      "node1 Ready v1.29.0\nnode2 Ready v1.29.0\nnode3 Ready v1.29.0\n",
    );
    for (const x of await onNodes("kubelet --version; kubeadm version -o short"))
      expect(x.out).toBe("Kubernetes v1.29.0\nv1.29.0\n");
    expect((await sh("node1", "grep -ho ':v1.29.0$' /etc/kubernetes/manifests/*.yaml | wc -l")).out).toBe("3\n");
    // one etcd snapshot, taken before the first change (not by the refused run, not on continuing)
    expect(snapshots().length).toBe(snapsBefore + 1);
  }, 600_000);

  it("remove-cluster returns every node and the bootstrap node to their state before kplay", async () => {
    const r = await kplay(["remove-cluster", ...sandbox, "--json"], { env });
    expect(r.code).toBe(2); // no TTY and no --yes: refused, nothing done
    expect(r.stderr).toMatch(/confirm with --yes/);
    // what the test installed by hand is the test's to remove, not kplay's
    await onNodes("DEBIAN_FRONTEND=noninteractive apt-get purge -y -q tree >/dev/null 2>&1");
    const rm = await kplay(["remove-cluster", ...sandbox, "--yes", "--json"], { env });
    expect(rm.code, rm.stdout.slice(-2000) + rm.stderr).toBe(0);
    for (const n of ["bootstrap", ...NODES]) {
      const after = (await sh(n, SNAPSHOT)).out.split("\n");
      const a = new Set(after);
      const b = new Set(before.get(n));
      const diff = [
        ...before
          .get(n)!
          .filter((l) => !a.has(l))
          .map((l) => `- ${l}`),
        ...after.filter((l) => !b.has(l)).map((l) => `+ ${l}`),
      ].filter((l) => !ALLOWED.test(l.slice(2)));
      expect(diff, `${n} differs from its state before deploy-cluster`).toEqual([]);
    }
    expect((await sh("node1", "systemctl is-active containerd chrony; ls /var/lib/kplay 2>&1 | head -1")).out).toMatch(
      /^(inactive|unknown)\n(inactive|unknown)\nls: cannot access/,
    );
    // kubeadm reset ran once on every node (the stand-ins' call log lives outside what is compared)
    for (const x of await onNodes(
      "grep -c 'kubeadm reset --force' /var/log/kplay-standin/calls.log; systemctl is-active kplay-standin-apiserver kubelet",
    ))
      expect(x.out).toMatch(/^1\n(inactive|unknown)\n(inactive|unknown)\n$/);
    // progress is cleared: a new deploy starts from the first step
    expect(
      readFileSync(join(home, "sandbox", name, "steps"), "utf8")
        .split("\n")
        .filter((l) => l && !l.startsWith("#")),
    ).toEqual([]);
  });
});
