// kplay run against three real nodes: files, modes, commands, registered output, then a second
// run that must change nothing (checked on the nodes: file mtimes stay the same), and a stopped
// node reported unreachable while the others finish.
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { events, kplay, startCluster, writeInventory, type TestCluster } from "../harness/cluster.js";

const PLAYBOOK = join(import.meta.dirname, "../fixtures/playbooks/three-nodes.yml");
let c: TestCluster;
let inv: string;
let state: string;

beforeAll(async () => {
  c = await startCluster({ nodes: 3 });
  inv = writeInventory(c, "inventory.yml");
  state = join(c.dir, "state");
});
afterAll(async () => c?.destroy());

describe("kplay run on 3 nodes", () => {
  it("configures every node, and a second run changes nothing", async () => {
    const first = await kplay(["run", PLAYBOOK, "-i", inv, "--state-dir", state, "--accept-new-host-keys", "--json"]);
    expect(first.stderr).toBe("");
    expect(first.code, first.stdout.slice(-3000) + first.stderr).toBe(0);

    for (const n of ["node1", "node2", "node3"]) {
      const node = c.node(n);
      const conf = await c.sh(n, "cat /opt/kplay-it/app.conf");
      expect(conf.out).toBe(`host=${n}\nip=${node.ip}\nfamily=Debian\n`);
      const modes = await c.sh(n, "stat -c '%a %U %n' /opt/kplay-it /opt/kplay-it/app.conf /opt/kplay-it/static.txt");
      expect(modes.out.trim().split("\n")).toEqual([
        "750 root /opt/kplay-it",
        "640 root /opt/kplay-it/app.conf",
        "600 root /opt/kplay-it/static.txt",
      ]);
      expect((await c.sh(n, "cat /opt/kplay-it/static.txt")).out).toBe("static content from the controller\n");
      expect((await c.sh(n, "cat /opt/kplay-it/hostname.log")).out).toBe(`${n}\n`);
      expect((await c.sh(n, "cat /opt/kplay-it/item-a /opt/kplay-it/item-b")).out).toBe("a\nb\n");
      expect((await c.sh(n, "test -e /opt/kplay-it/only-node2; echo $?")).out.trim()).toBe(n === "node2" ? "0" : "1");
    }
    const recap = events(first.stdout).find((e) => e.event === "recap")!;
    expect(Object.keys(recap.hosts).sort()).toEqual(["node1", "node2", "node3"]);
    expect(recap.hosts.node1.ignored).toBe(1);

    // modification and change times to the nanosecond and the inode: a rewrite, a rename over the
    // file or a chmod shows, however soon after the first run
    const STAT = "stat -c '%y %z %i %n' /opt/kplay-it/* | sort";
    const before = await c.sh("node1", STAT);
    const second = await kplay(["run", PLAYBOOK, "-i", inv, "--state-dir", state, "--json"]);
    expect(second.code).toBe(0);
    const recap2 = events(second.stdout).find((e) => e.event === "recap")!;
    // node2's touch task changes every run (as Ansible's state=touch does); the ignored
    // `command: false` has changed_when: false, which Ansible applies to a failed result too
    // (test/differential/result-conditions.test.ts), so it counts as no change
    expect([recap2.hosts.node1.changed, recap2.hosts.node2.changed, recap2.hosts.node3.changed]).toEqual([0, 1, 0]);
    expect((await c.sh("node1", STAT)).out).toBe(before.out);
    expect((await c.sh("node1", "wc -l < /opt/kplay-it/hostname.log")).out.trim()).toBe("1");
  });

  it("bad input exits 2 with one line naming the place, and touches no node", async () => {
    const pb = join(c.dir, "half-bad.yml");
    // The first play is valid and would write a file; the second is malformed.
    writeFileSync(
      pb,
      `- hosts: all\n  gather_facts: false\n  tasks:\n    - copy: { dest: /tmp/must-not-exist, content: "x" }\n- hosts: all\n  tasks:\n    - name: typo\n      shel: "true"\n`,
    );
    const r = await kplay(["run", pb, "-i", inv, "--state-dir", state]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `kplay: error: ${pb}:8:7: shel: unknown module or task keyword "shel" (did you mean "shell"?)\n`,
    );
    for (const n of ["node1", "node2", "node3"])
      expect((await c.sh(n, "test -e /tmp/must-not-exist; echo $?")).out.trim()).toBe("1");

    const badInv = join(c.dir, "bad-inv.yml");
    writeFileSync(badInv, "all:\n  hosts:\n    n1: { ansible_port: 99999 }\n");
    const r2 = await kplay(["run", pb, "-i", badInv]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/^kplay: error: .*bad-inv.yml:3:5: n1.ansible_port: invalid value 99999/);
    expect(r2.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("reports a stopped node as unreachable while the others finish", async () => {
    const pb = join(c.dir, "marker.yml");
    writeFileSync(
      pb,
      `- hosts: all\n  gather_facts: false\n  tasks:\n    - copy: { dest: /tmp/unreach-marker, content: "x" }\n`,
    );
    await c.node("node3").container.stop({ remove: false, timeout: 2_000 });
    const r = await kplay(["run", pb, "-i", inv, "--state-dir", state, "--json"]);
    expect(r.code).toBe(1);
    const results = events(r.stdout).filter((e) => e.event === "host_result");
    expect(results.length, r.stdout + r.stderr).toBe(3);
    expect(results.find((e) => e.host === "node3")?.status).toBe("unreachable");
    expect(
      results
        .filter((e) => e.status === "changed")
        .map((e) => e.host)
        .sort(),
    ).toEqual(["node1", "node2"]);
    expect((await c.sh("node1", "cat /tmp/unreach-marker")).out).toBe("x");
  });
});
