// Every module on 3 real nodes: the nodes' real state is checked after the run (through docker
// exec), a second run must report changed=0, and --check on a fresh node must leave /etc, /opt
// and /srv exactly as they were.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { revertScript } from "../../src/modules/undo.js";
import { events, kplay, startCluster, writeInventory, type TestCluster } from "../harness/cluster.js";

const PLAYBOOK = join(import.meta.dirname, "../fixtures/playbooks/all-modules.yml");
let c: TestCluster;
let inv: string;
let state: string;
let extra: string[];

/** A flat apt repository with one tiny package, built with dpkg-deb on the controller. */
function buildRepo(dir: string): string {
  const pkg = join(dir, "pkg");
  mkdirSync(join(pkg, "DEBIAN"), { recursive: true });
  mkdirSync(join(pkg, "usr/share/kplay-dummy"), { recursive: true });
  const control =
    "Package: kplay-dummy\nVersion: 1.0\nArchitecture: all\nMaintainer: kplay tests <tests@kplay.invalid>\nDescription: kplay test package\n";
  writeFileSync(join(pkg, "DEBIAN/control"), control);
  writeFileSync(join(pkg, "usr/share/kplay-dummy/README"), "hello\n");
  const repo = join(dir, "repo");
  mkdirSync(repo);
  execFileSync("dpkg-deb", ["--build", "--root-owner-group", pkg, join(repo, "kplay-dummy_1.0_all.deb")], {
    stdio: "ignore",
  });
  const deb = readFileSync(join(repo, "kplay-dummy_1.0_all.deb"));
  const sha = execFileSync("sha256sum", [join(repo, "kplay-dummy_1.0_all.deb")])
    .toString()
    .split(" ")[0];
  writeFileSync(
    join(repo, "Packages"),
    `${control}Filename: ./kplay-dummy_1.0_all.deb\nSize: ${deb.length}\nSHA256: ${sha}\n`,
  );
  const tarball = join(dir, "repo.tar.gz");
  execFileSync("tar", ["czf", tarball, "-C", repo, "."]);
  return tarball;
}

const FINGERPRINT =
  "find /etc /opt /srv -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum | sha256sum; find /etc /opt /srv 2>/dev/null | sort | sha256sum";

beforeAll(async () => {
  c = await startCluster({ nodes: 4 });
  inv = writeInventory(c, "inventory.yml", {}, ["node1", "node2", "node3"]);
  state = join(c.dir, "state");
  extra = ["-e", `repo_tarball=${buildRepo(c.dir)}`, "-e", `fetch_dir=${join(c.dir, "fetched")}`];
});
afterAll(async () => c?.destroy());

describe("all modules on 3 nodes", () => {
  it("--check on a fresh node changes nothing on it", async () => {
    const checkInv = writeInventory(c, "inv-check.yml", {}, ["node4"]);
    const before = await c.sh("node4", FINGERPRINT);
    const r = await kplay([
      "run",
      PLAYBOOK,
      "-i",
      checkInv,
      "--state-dir",
      state,
      "--accept-new-host-keys",
      "--check",
      "--json",
      ...extra,
    ]);
    const recap = events(r.stdout).find((e) => e.event === "recap")!;
    expect(recap.hosts.node4.failed, r.stdout.slice(-4000)).toBe(0);
    expect(recap.hosts.node4.changed).toBeGreaterThan(10);
    expect((await c.sh("node4", FINGERPRINT)).out).toBe(before.out);
    expect((await c.sh("node4", "hostname")).out.trim()).toBe("node4");
  });

  it("configures every node for real, then a second run changes nothing", async () => {
    const r = await kplay([
      "run",
      PLAYBOOK,
      "-i",
      inv,
      "--state-dir",
      state,
      "--accept-new-host-keys",
      "--json",
      ...extra,
    ]);
    expect(r.code, r.stdout.slice(-4000) + r.stderr).toBe(0);
    const recap = events(r.stdout).find((e) => e.event === "recap")!;
    for (const h of ["node1", "node2", "node3"]) {
      expect(recap.hosts[h]).toMatchObject({ failed: 0, unreachable: 0, rescued: 1 });
    }

    for (const n of ["node1", "node2", "node3"]) {
      const node = c.node(n);
      const sh = async (cmd: string) => (await c.sh(n, cmd)).out;
      expect(await sh("cat /etc/kplay-all/app.conf")).toBe(`name=${n}\nmode=new\nlisten=${node.ip}\n`);
      expect(await sh("stat -c %a /etc/kplay-all/app.conf")).toBe("640\n");
      expect(await sh("cat /etc/containerd/certs.d/registry.k8s.io/hosts.toml")).toBe(
        `# Written by kplay for ${n}: pull registry.k8s.io through the internal registry.\nserver = "https://registry.k8s.io"\n\n[host."https://kube.registry.local:443/v2/registry.k8s.io"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n  ca = "/etc/kplay-all/ca.crt"\n# mirrors: a.example, b.example\n`,
      );
      expect(await sh("sed -n '/# BEGIN KPLAY REGISTRY/,/# END KPLAY REGISTRY/p' /etc/hosts")).toBe(
        `# BEGIN KPLAY REGISTRY\n${node.ip} kube.registry.local\n# END KPLAY REGISTRY\n`,
      );
      expect(await sh("cat /etc/kplay-all/payload.txt; stat -c %a /etc/kplay-all/payload.txt")).toBe(
        "kplay payload\n600\n",
      );
      expect(await sh("dpkg-query -W -f='${Status} ${Version}' kplay-dummy")).toBe("install ok installed 1.0");
      expect(await sh("cat /etc/apt/sources.list.d/kplay-offline.list; test -e /etc/apt/sources.list; echo $?")).toBe(
        "deb [trusted=yes] file:/opt/kplay-repo ./\n1\n",
      );
      expect(await sh("cat /etc/yum.repos.d/kplay-offline.repo")).toBe(
        "[kplay-offline]\nname=kplay offline\nbaseurl=http://kube.registry.local:8080/rpms\nenabled=1\ngpgcheck=0\n",
      );
      expect(await sh("cat /etc/sysctl.d/99-kubernetes.conf")).toBe("net.ipv4.ip_forward=1\nvm.max_map_count=262144\n");
      expect(await sh("cat /etc/modules-load.d/overlay.conf")).toBe("overlay\n");
      expect(await sh("getent passwd kplayuser | cut -d: -f5,7; id -nG kplayuser")).toBe(
        "kplay test account:/bin/sh\nkplayuser sudo\n",
      );
      expect(
        await sh("systemctl is-active kplay-demo; systemctl is-enabled kplay-demo; cat /var/log/kplay-demo.starts"),
      ).toBe("active\nenabled\nstart\n");
      expect(await sh("systemctl is-enabled kplay-ind.socket")).toBe("enabled\n");
      expect(await sh("cat /etc/kplay-all/script-ran")).toBe("args=one two user=root\n");
      expect(await sh("hostname; cat /etc/hostname")).toBe(`${n}-k\n${n}-k\n`);
      expect(await sh("readlink -f /etc/localtime; date +%Z")).toBe("/usr/share/zoneinfo/Asia/Shanghai\nCST\n");
      expect(
        await sh("cat /etc/kplay-all/rescued /etc/kplay-all/always; test -e /etc/kplay-all/after-fail; echo $?"),
      ).toBe("deliberately\nalways\n1\n");
      expect(readFileSync(join(c.dir, "fetched", n, "etc/kplay-all/app.conf"), "utf8")).toBe(
        `name=${n}\nmode=new\nlisten=${node.ip}\n`,
      );
    }
    const debug = events(r.stdout).filter((e) => e.event === "host_result" && e.module === "debug");
    expect(debug.map((e) => e.result.msg).sort()).toEqual(["node1:Debian", "node2:Debian", "node3:Debian"]);
    const handlerRuns = events(r.stdout).filter((e) => e.event === "host_result" && e.task === "restart demo");
    expect(handlerRuns.map((e) => e.host).sort()).toEqual(["node1", "node2", "node3"]); // once per host, though notified twice

    const before = await c.sh("node2", FINGERPRINT);
    const again = await kplay(["run", PLAYBOOK, "-i", inv, "--state-dir", state, "--json", ...extra]);
    expect(again.code, again.stdout.slice(-3000)).toBe(0);
    const recap2 = events(again.stdout).find((e) => e.event === "recap")!;
    const changedTasks = events(again.stdout)
      .filter((e) => e.event === "host_result" && e.status === "changed")
      .map((e) => `${e.host}: ${e.task}`);
    expect(changedTasks).toEqual([]);
    for (const h of ["node1", "node2", "node3"]) expect(recap2.hosts[h].changed).toBe(0);
    expect((await c.sh("node2", FINGERPRINT)).out).toBe(before.out);
    expect((await c.sh("node2", "cat /var/log/kplay-demo.starts")).out).toBe("start\n");
  });

  it("every file change carries its undo: replaying node4's undo log restores /etc, /opt and /srv exactly", async () => {
    // node4 is fresh (the --check test left it untouched). Files replaced keep their mode and
    // owner; directories kplay made (file state=directory, lineinfile/blockinfile create:, a sysctl
    // file's directory) are removed again, the deepest first.
    const pb = join(c.dir, "undo.yml");
    writeFileSync(
      pb,
      `- hosts: node4
  gather_facts: false
  tasks:
    - file: { path: /opt/kt/a/b/c, state: directory }
    - copy: { dest: /opt/kt/a/new.conf, content: "new\\n" }
    - copy: { dest: /etc/kt-existing.conf, content: "replaced\\n" }
    - copy: { dest: /opt/kt/a/b, src: ${JSON.stringify(pb)} }
    - lineinfile: { path: /srv/kt/deep/dir/line.conf, line: "x=1", create: true }
    - blockinfile: { path: /opt/kt/block/b.conf, block: "y=2", create: true }
    - sysctl: { name: vm.swappiness, value: "10", sysctl_file: /opt/kt/sysctl.d/x.conf, reload: false }
    - sysctl: { name: vm.overcommit_memory, value: "1", sysctl_file: /etc/sysctl.d/99-sysctl.conf, reload: false }
    - file: { path: /opt/kt/touched, state: touch }
    - file: { path: /opt/kt/link, state: link, src: /etc/hostname }
    - file: { path: /etc/kt-gone.conf, state: absent }
    - file: { path: /etc/kt-mode.conf, mode: "0600", owner: nobody }
`,
    );
    const inv4 = writeInventory(c, "inv-undo.yml", {}, ["node4"]);
    await c.sh(
      "node4",
      "printf 'original\\n' > /etc/kt-existing.conf && chown root:adm /etc/kt-existing.conf && chmod 640 /etc/kt-existing.conf" +
        " && printf 'gone\\n' > /etc/kt-gone.conf && chmod 604 /etc/kt-gone.conf && printf 'm\\n' > /etc/kt-mode.conf && chmod 644 /etc/kt-mode.conf",
    );
    const tree = "find /etc /opt /srv -printf '%p %m %u:%g\\n' 2>/dev/null | sort | sha256sum; " + FINGERPRINT;
    const before = (await c.sh("node4", tree)).out;
    const r = await kplay([
      "run",
      pb,
      "-i",
      inv4,
      "--state-dir",
      join(c.dir, "state-undo"),
      "--accept-new-host-keys",
      "--json",
    ]);
    expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(0);
    expect(
      (
        await c.sh(
          "node4",
          "cat /etc/kt-existing.conf; stat -c '%a %U:%G' /etc/kt-existing.conf; cat /srv/kt/deep/dir/line.conf /opt/kt/sysctl.d/x.conf; test -f /opt/kt/a/b/undo.yml && echo in-dir; " +
            "test -L /etc/sysctl.d/99-sysctl.conf || tail -n 1 /etc/sysctl.d/99-sysctl.conf",
        )
      ).out,
    ).toBe("replaced\n640 root:adm\nx=1\nvm.swappiness=10\nin-dir\nvm.overcommit_memory=1\n");
    expect((await c.sh("node4", tree)).out).not.toBe(before);
    const undo = await c.sh("node4", revertScript().text);
    // 15 for copy, lineinfile, blockinfile, sysctl and the directories; one each for the file
    // module's touch, link, absent and mode change (what was there before, or that nothing was);
    // two for Debian's 99-sysctl.conf, a link sysctl replaced by a file (as Ansible's does)
    expect(undo.out, undo.out).toContain("KPLAY-UNDO-DONE: 21");
    expect((await c.sh("node4", "readlink /etc/sysctl.d/99-sysctl.conf")).out).toBe("../sysctl.conf\n");
    expect((await c.sh("node4", tree)).out).toBe(before);
    expect((await c.sh("node4", "cat /etc/kt-existing.conf")).out).toBe("original\n");
    expect((await c.sh("node4", "stat -c '%a %U' /etc/kt-gone.conf /etc/kt-mode.conf")).out).toBe(
      "604 root\n644 root\n",
    );
  });
});
