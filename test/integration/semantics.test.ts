// Ansible semantics on real nodes: handlers, block/rescue/always, serial, max_fail_percentage,
// any_errors_fatal, the free strategy, tags, --start-at-task, delegate_to + run_once,
// retries/until, environment, become_user, include_tasks, vars_files and -e precedence.
// Assertions read what the tasks left on the nodes.
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { events, kplay, startCluster, writeInventory, type TestCluster } from "../harness/cluster.js";

let c: TestCluster;
let inv: string;
let state: string;
const NODES = ["node1", "node2", "node3"];

beforeAll(async () => {
  c = await startCluster({ nodes: 3 });
  inv = writeInventory(c, "inventory.yml");
  state = join(c.dir, "state");
  const r = await kplay([
    "run",
    pb("warm", `- hosts: all\n  gather_facts: false\n  tasks: [{ command: "true" }]`),
    "-i",
    inv,
    "--state-dir",
    state,
    "--accept-new-host-keys",
  ]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
});
afterAll(async () => c?.destroy());

let n = 0;
function pb(name: string, text: string): string {
  const dir = join(c.dir, `pb-${name}-${n++}`);
  mkdirSync(dir, { recursive: true });
  const f = join(dir, "play.yml");
  writeFileSync(f, text);
  return f;
}
const run = (file: string, ...args: string[]) =>
  kplay(["run", file, "-i", inv, "--state-dir", state, "--json", ...args]);
const sh = async (node: string, cmd: string) => (await c.sh(node, cmd)).out;
const onAll = async (cmd: string) => Promise.all(NODES.map((h) => sh(h, cmd)));

describe("semantics", () => {
  it("handlers run once per host, only when notified, at the end of the play or on flush", async () => {
    const f = pb(
      "handlers",
      `
- hosts: all
  gather_facts: false
  tasks:
    - copy: { dest: /tmp/h-a, content: "{{ inventory_hostname }}\\n" }
      notify: [h1]
    - command: "true"
      changed_when: false
      notify: h2
    - copy: { dest: /tmp/h-b, content: "b\\n" }
      notify: [h1, topic]
    - shell: "test -s /tmp/h1.log && echo after > /tmp/h-order || echo before > /tmp/h-order"
      changed_when: false
  handlers:
    - name: h1
      shell: echo ran >> /tmp/h1.log
    - name: h2
      shell: echo ran >> /tmp/h2.log
    - name: by topic
      listen: topic
      shell: echo ran >> /tmp/h3.log
`,
    );
    const r = await run(f);
    expect(r.code, r.stdout.slice(-2000)).toBe(0);
    expect(await onAll("cat /tmp/h1.log; cat /tmp/h3.log; test -e /tmp/h2.log; echo $?; cat /tmp/h-order")).toEqual(
      NODES.map(() => "ran\nran\n1\nbefore\n"),
    );
    const again = await run(f);
    expect(again.code).toBe(0);
    expect(await onAll("wc -l < /tmp/h1.log")).toEqual(NODES.map(() => "1\n"));
  });

  it("block / rescue / always route as Ansible does", async () => {
    const f = pb(
      "blocks",
      `
- hosts: all
  gather_facts: false
  tasks:
    - block:
        - command: "false"
          when: inventory_hostname == 'node2'
        - shell: echo block-end > /tmp/b-end
      rescue:
        - shell: "echo rescued:{{ ansible_failed_task.name }} > /tmp/b-rescue"
      always:
        - shell: echo always > /tmp/b-always
    - name: no rescue here
      block:
        - command: "false"
          when: inventory_hostname == 'node3'
      always:
        - shell: echo always2 > /tmp/b-always2
    - shell: echo after > /tmp/b-after
`,
    );
    const r = await run(f);
    expect(r.code).toBe(1); // node3 failed without rescue
    const recap = events(r.stdout).find((e) => e.event === "recap")!;
    expect(recap.hosts.node2).toMatchObject({ failed: 0, rescued: 1 });
    expect(recap.hosts.node3).toMatchObject({ failed: 1, rescued: 0 });
    const probe =
      "for f in b-end b-rescue b-always b-always2 b-after; do printf '%s=' $f; cat /tmp/$f 2>/dev/null || echo -; done";
    expect(await sh("node1", probe)).toBe(
      "b-end=block-end\nb-rescue=-\nb-always=always\nb-always2=always2\nb-after=after\n",
    );
    expect(await sh("node2", probe)).toBe(
      "b-end=-\nb-rescue=rescued:command false\nb-always=always\nb-always2=always2\nb-after=after\n",
    );
    expect(await sh("node3", probe)).toBe(
      "b-end=block-end\nb-rescue=-\nb-always=always\nb-always2=always2\nb-after=-\n",
    );
  });

  it("serial: 1 rolls host by host", async () => {
    const f = pb(
      "serial",
      `
- hosts: all
  gather_facts: false
  serial: 1
  tasks:
    - shell: "date +%s%N > /tmp/s1; sleep 0.2"
    - shell: "date +%s%N > /tmp/s2"
`,
    );
    expect((await run(f)).code).toBe(0);
    const t = await Promise.all(
      NODES.map(async (h) => (await sh(h, "cat /tmp/s1 /tmp/s2")).trim().split("\n").map(BigInt)),
    );
    expect(t[0][1] < t[1][0]).toBe(true); // node1 finished both tasks before node2 started
    expect(t[1][1] < t[2][0]).toBe(true);
  });

  it("the linear strategy waits for every host; the free strategy lets hosts run ahead", async () => {
    const body = (strategy: string) => `
- hosts: all
  gather_facts: false
  strategy: ${strategy}
  tasks:
    - shell: "sleep {{ delay }}; date +%s%N > /tmp/f1"
    - shell: "date +%s%N > /tmp/f2"
`;
    const inv2 = writeInventory(c, "inv-delay.yml", { node1: { delay: 2 }, node2: { delay: 0 }, node3: { delay: 0 } });
    for (const [strategy, node2First] of [
      ["linear", false],
      ["free", true],
    ] as const) {
      const r = await kplay(["run", pb(strategy, body(strategy)), "-i", inv2, "--state-dir", state, "--json"]);
      expect(r.code, r.stdout.slice(-1500)).toBe(0);
      const node1First = BigInt((await sh("node1", "cat /tmp/f1")).trim());
      const node2Second = BigInt((await sh("node2", "cat /tmp/f2")).trim());
      expect(node2Second < node1First).toBe(node2First);
    }
  });

  it("max_fail_percentage and any_errors_fatal stop the play", async () => {
    for (const [kw, val] of [
      ["max_fail_percentage", "30"],
      ["any_errors_fatal", "true"],
    ]) {
      await onAll("rm -f /tmp/m-next");
      const f = pb(
        kw,
        `
- hosts: all
  gather_facts: false
  ${kw}: ${val}
  tasks:
    - command: "false"
      when: inventory_hostname == 'node3'
    - shell: echo next > /tmp/m-next
`,
      );
      const r = await run(f);
      expect(r.code).toBe(1);
      expect(await onAll("test -e /tmp/m-next; echo $?")).toEqual(NODES.map(() => "1\n"));
      expect(events(r.stdout).some((e) => e.event === "warning" && e.message.includes(kw))).toBe(true);
    }
    // 34% allowed: one of three failing does not stop the others.
    await onAll("rm -f /tmp/m-next");
    const ok = pb(
      "maxfail-ok",
      `- hosts: all\n  gather_facts: false\n  max_fail_percentage: 34\n  tasks:\n    - command: "false"\n      when: inventory_hostname == 'node3'\n    - shell: echo next > /tmp/m-next\n`,
    );
    expect((await run(ok)).code).toBe(1);
    expect(await onAll("test -e /tmp/m-next; echo $?")).toEqual(["0\n", "0\n", "1\n"]);
  });

  it("tags, --skip-tags, --start-at-task and --list-tasks", async () => {
    const f = pb(
      "tags",
      `
- hosts: all
  gather_facts: false
  tasks:
    - name: first
      shell: echo 1 >> /tmp/t.log
      tags: [one]
    - name: second
      shell: echo 2 >> /tmp/t.log
      tags: two
    - name: third
      shell: echo 3 >> /tmp/t.log
    - name: never unless asked
      shell: echo never >> /tmp/t.log
      tags: [never, debug]
    - name: always
      shell: echo always >> /tmp/t.log
      tags: always
`,
    );
    const cases: Array<[string[], string]> = [
      [["--tags", "one"], "1\nalways\n"],
      [["--skip-tags", "one,always"], "2\n3\n"],
      [["--start-at-task", "second"], "2\n3\nalways\n"],
      [["--tags", "debug"], "never\nalways\n"],
      [[], "1\n2\n3\nalways\n"],
    ];
    for (const [args, want] of cases) {
      await onAll("rm -f /tmp/t.log");
      const r = await run(f, ...args);
      expect(r.code, args.join(" ")).toBe(0);
      expect(await sh("node1", "cat /tmp/t.log"), args.join(" ")).toBe(want);
    }
    // as ansible-playbook --list-tasks: what would run, tags sorted; a never task only when asked for
    const list = await kplay(["run", f, "-i", inv, "--list-tasks"]);
    expect(list.stdout).toContain("first\tTAGS: [one]");
    expect(list.stdout).not.toContain("never unless asked");
    const asked = await kplay(["run", f, "-i", inv, "--list-tasks", "--tags", "debug"]);
    expect(asked.stdout).toContain("never unless asked\tTAGS: [debug, never]");
    expect(asked.stdout).not.toContain("first\tTAGS");
  });

  it("delegate_to with run_once, retries/until, environment, become_user, remote_user, ~ in a path", async () => {
    await onAll("rm -f /tmp/d-* /tmp/tries /root/d-tilde");
    const f = pb(
      "misc",
      `
- hosts: all
  gather_facts: false
  tasks:
    - name: once, on node3, for the first host
      shell: "echo {{ inventory_hostname }} >> /tmp/d-once"
      delegate_to: node3
      run_once: true
    - name: retry until the third try
      shell: "echo x >> /tmp/tries; test $(wc -l < /tmp/tries) -ge 3"
      register: tries
      until: tries.rc == 0
      retries: 5
      delay: 0
    - shell: "echo $KPLAY_GREETING-$HOME > /tmp/d-env"
      environment:
        KPLAY_GREETING: "hi {{ inventory_hostname }}"
    - command: id -un
      become: true
      become_user: ops
      register: who
    - name: the inventory's ansible_user outranks the remote_user keyword, as in Ansible
      command: id -un
      remote_user: somebody-else
      register: login
    - copy: { dest: "~/d-tilde", content: "{{ login.stdout }}\\n" }
    - copy: { dest: /tmp/d-who, content: "{{ who.stdout }} {{ tries.attempts }}\\n" }
`,
    );
    const r = await run(f);
    expect(r.code, r.stdout.slice(-2000)).toBe(0);
    expect(await sh("node3", "cat /tmp/d-once")).toBe("node1\n");
    expect(await sh("node1", "test -e /tmp/d-once; echo $?")).toBe("1\n");
    expect(await onAll("wc -l < /tmp/tries; cat /tmp/d-env /tmp/d-who /root/d-tilde")).toEqual(
      NODES.map((h) => `3\nhi ${h}-/root\nops 3\nroot\n`),
    );
  });

  it("include_tasks, vars_files and -e precedence", async () => {
    const f = pb(
      "vars",
      `
- hosts: all
  gather_facts: false
  vars: { who: play, what: play }
  vars_files: [vars.yml]
  tasks:
    - include_tasks: inner.yml
      vars: { where: include }
`,
    );
    const dir = join(f, "..");
    writeFileSync(join(dir, "vars.yml"), "what: file\nlevel: file\n");
    writeFileSync(
      join(dir, "inner.yml"),
      `- copy: { dest: /tmp/v-out, content: "{{ who }} {{ what }} {{ level }} {{ where }} {{ inventory_hostname in groups['all'] }}\\n" }\n`,
    );
    const r = await run(f, "-e", "level=cli", "-e", "who=cli");
    expect(r.code, r.stdout.slice(-1500)).toBe(0);
    expect(await sh("node2", "cat /tmp/v-out")).toBe("cli file cli include True\n");
  });

  it("facts, --diff with secrets masked, and -vv streaming command output", async () => {
    const secret = "s3cr3t-token-value";
    const inv2 = writeInventory(c, "inv-secret.yml", { node1: { registry_password: secret } }, ["node1"]);
    await sh("node1", "printf 'a\\nold\\nc\\n' > /tmp/diff.txt");
    const f = pb(
      "facts",
      `
- hosts: all
  gather_facts: true
  tasks:
    - copy: { dest: /tmp/facts.txt, content: "{{ ansible_distribution }} {{ ansible_distribution_major_version }} {{ ansible_os_family }} {{ ansible_pkg_mgr }} {{ ansible_service_mgr }} {{ kplay_arch }} {{ ansible_all_ipv4_addresses | first }} {{ ansible_default_ipv4.address | default('no-route-out') }} {{ ansible_hostname }} {{ kplay_swap_on }}\\n" }
    - copy: { dest: /tmp/diff.txt, content: "a\\nnew {{ registry_password }}\\nc\\n" }
    - shell: "echo streamed-line-1; echo streamed-err >&2"
`,
    );
    const r = await kplay(["run", f, "-i", inv2, "--state-dir", state, "--diff", "-vv"]);
    expect(r.code, r.stdout).toBe(0);
    const node = c.node("node1");
    const host = (await sh("node1", "hostname")).trim();
    expect(await sh("node1", "cat /tmp/facts.txt")).toBe(
      // booleans print as Ansible prints them; a node with no route out has no default address (Ansible's facts)
      `Debian 12 Debian apt systemd amd64 ${node.ip} no-route-out ${host} False\n`,
    );
    expect(r.stdout).toContain("-old\n+new ********");
    expect(r.stdout).not.toContain(secret);
    expect(r.stdout).toContain("[node1] streamed-line-1");
    expect(r.stdout).toContain("[node1] ! streamed-err");
    expect(await sh("node1", "sed -n 2p /tmp/diff.txt")).toBe(`new ${secret}\n`);
  });
});
