// Data is never code and secrets never show, on real nodes:
// - a node's fact, a registered stdout and a slurped file holding "{{ hostvars.node2.… }}" stay
//   that text wherever a later task uses them (a compromised node cannot read the inventory);
// - a distinct secret planted in each source (inventory vars named *_pw, *secret*, *token*,
//   a become password with " and \, -e, play vars, vars_files, set_fact from a no_log result,
//   a no_log task's failure) appears in no output channel (console, --json, run.log, journal,
//   every state file, `kplay status`) and in no process list on the node while a task holding
//   them runs.
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kplay, spawnKplay, startCluster, writeInventory, type TestCluster } from "../harness/cluster.js";

let c: TestCluster;
let inv: string;

const SECRETS = {
  registry_pw: "SEC-inv-pw-1",
  aws_secret_access_key: "SEC-inv-aws-2",
  api_token_value: "SEC-inv-tok-3",
  ansible_become_password: 'SEC-be"c\\ome-4',
};

beforeAll(async () => {
  c = await startCluster({ nodes: 2 });
  inv = writeInventory(c, "inventory.yml", {
    node1: SECRETS,
    node2: { ansible_become_password: "SEC-node2-become-0" },
  });
});
afterAll(async () => c?.destroy());

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
}

describe("data from nodes is never rendered", () => {
  it("facts, registered output, set_fact values and slurped files keep their {{ }} as text", async () => {
    const bait = "{{ hostvars.node2.ansible_become_password }}";
    await c.sh(
      "node1",
      `sed -i 's/^VERSION_CODENAME=.*/VERSION_CODENAME="${bait}"/' /etc/os-release && printf '%s\\n' '${bait}' > /tmp/bait`,
    );
    const dir = join(c.dir, "pb-data");
    mkdirSync(join(dir, "templates"), { recursive: true });
    writeFileSync(join(dir, "templates", "t.hbs"), "{{ from_reg }}|{{ ansible_distribution_release }}\n");
    writeFileSync(join(dir, "bait.txt"), bait); // a controller file a lookup reads
    writeFileSync(
      join(dir, "play.yml"),
      `
- hosts: node1
  gather_facts: true
  tasks:
    - shell: "printf '%s%s hostvars.node2.ansible_become_password %s%s' '{' '{' '}' '}'"
      register: r
    - slurp: { src: /tmp/bait }
      register: s
    - set_fact:
        from_reg: "{{ r.stdout }}"
        from_slurp: "{{ s.content | b64decode | trim }}"
    - copy: { dest: /tmp/out-fact, content: "{{ ansible_distribution_release }}\\n" }
    - copy: { dest: /tmp/out-reg, content: "{{ from_reg }}\\n" }
    - copy: { dest: /tmp/out-slurp, content: "{{ from_slurp }}\\n" }
    - template: { src: t.hbs, dest: /tmp/out-tpl }
    - shell: "echo {{ item }} > /tmp/out-loop"
      loop: ["{{ from_reg }}"]
    # set_fact values re-render when computed only from what people wrote: every way to reach
    # node data must still taint them
    - set_fact:
        via_hostvars: "{{ hostvars[inventory_hostname].ansible_distribution_release }}"
        via_hostvars_whole: "{{ (hostvars[inventory_hostname] | dict2items | selectattr('key', 'equalto', 'from_reg') | first).value }}"
        via_lookup: "{{ lookup('file', '${join(dir, "bait.txt")}') }}"
        via_facts: "{{ ansible_facts.distribution_release }}"
    - set_fact: { via_item: "{{ item }}" }
      loop: "{{ [r.stdout] }}"
    - set_fact: { via_chain: "{{ via_hostvars }}" }
    - copy:
        dest: /tmp/out-taint
        content: "{{ [via_hostvars, via_hostvars_whole, via_lookup, via_facts, via_item, via_chain] | join('\\n') }}\\n"
`,
    );
    const r = await kplay([
      "run",
      join(dir, "play.yml"),
      "-i",
      inv,
      "--state-dir",
      join(c.dir, "state-data"),
      "--accept-new-host-keys",
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const out = (await c.sh("node1", "cat /tmp/out-fact /tmp/out-reg /tmp/out-slurp /tmp/out-tpl /tmp/out-loop")).out;
    expect(out).toBe(`${bait}\n${bait}\n${bait}\n${bait}|${bait}\n${bait}\n`);
    const taint = (await c.sh("node1", "cat /tmp/out-taint")).out;
    expect(taint).toBe(`${bait}\n`.repeat(6));
    expect(out + r.stdout).not.toContain("SEC-node2");
  });
});

describe("secrets never show", () => {
  it("no output channel, state file or node process list holds a planted secret", async () => {
    const dir = join(c.dir, "pb-secrets");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "vault.yml"), "file_password: SEC-file-7\n");
    writeFileSync(
      join(dir, "play.yml"),
      `
- hosts: node1
  gather_facts: false
  vars:
    play_secret: SEC-play-6
  vars_files: [vault.yml]
  tasks:
    - shell: echo SEC-fact-8
      register: r
      no_log: true
    - set_fact: { fact_token: "{{ r.stdout }}" }
    - shell: "sleep 4; echo {{ registry_pw }} {{ aws_secret_access_key }} {{ api_token_value }} {{ extra_token }} {{ play_secret }} {{ file_password }} {{ fact_token }} > /tmp/secrets.out"
      environment: { TOKEN_ENV: "{{ api_token_value }}" }
    - copy: { dest: /tmp/become.out, content: "{{ ansible_become_password }}" }
    - debug: { msg: "{{ registry_pw }} {{ ansible_become_password }} {{ extra_token }} {{ fact_token }}" }
    - user: { name: kplaysec, password: "$6$SEC-hash-10" }
    - shell: "echo --token abcdef.0123456789abcdef >&2; exit 3"
      no_log: true
`,
    );
    const state = join(c.dir, "state-secrets");
    const args = [
      "run",
      join(dir, "play.yml"),
      "-i",
      inv,
      "--state-dir",
      state,
      "--accept-new-host-keys",
      "-vv",
      "-e",
      '{"extra_token": "SEC-e-5"}',
    ];
    const running = spawnKplay(args);
    // the node's process list while the tasks run (the sleep holds every secret in its script)
    const seen: string[] = [];
    for (let i = 0; i < 60; i++) {
      seen.push(
        (
          await c.sh(
            "node1",
            "ps -eo args; cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -v '^TOKEN_ENV=' || true",
          )
        ).out,
      );
      if ((await c.sh("node1", "test -s /tmp/secrets.out && echo done")).out.includes("done")) break;
      await new Promise((res) => setTimeout(res, 150));
    }
    const r = await running.done;
    expect(r.code, r.stdout.slice(-2000)).toBe(1); // the last task fails: a host failed
    // the node really received every value
    expect((await c.sh("node1", "cat /tmp/secrets.out /tmp/become.out")).out).toBe(
      "SEC-inv-pw-1 SEC-inv-aws-2 SEC-inv-tok-3 SEC-e-5 SEC-play-6 SEC-file-7 SEC-fact-8\n" +
        SECRETS.ansible_become_password,
    );
    const json = await kplay([...args.filter((a) => a !== "-vv"), "--json", "--restart"]);
    const status = await kplay(["status", "-i", inv, "--state-dir", state]);
    const statusJson = await kplay(["status", "-i", inv, "--state-dir", state, "--json"]);
    const channels: Record<string, string> = {
      console: r.stdout + r.stderr,
      json: json.stdout + json.stderr,
      status: status.stdout + status.stderr + statusJson.stdout,
      ps: seen.join("\n"),
    };
    for (const f of files(state)) channels[f] = readFileSync(f, "latin1");
    const leaks: string[] = [];
    const planted = [
      ...Object.values(SECRETS),
      "SEC-e-5",
      "SEC-play-6",
      "SEC-file-7",
      "SEC-fact-8",
      "SEC-hash-10",
      "abcdef.0123456789abcdef",
      JSON.stringify(SECRETS.ansible_become_password).slice(1, -1),
    ];
    for (const [where, text] of Object.entries(channels))
      for (const s of planted) if (text.includes(s)) leaks.push(`${s} in ${where}`);
    if (leaks.length)
      writeFileSync(
        "/tmp/sec-console.txt",
        channels.console + "\n=====JSON\n" + channels.json + "\n=====STATUS\n" + channels.status,
      );
    expect(leaks).toEqual([]);
    // the state directory is private: 0700, every file in it 0600
    expect(statSync(state).mode & 0o777).toBe(0o700);
    expect(files(state).filter((f) => (statSync(f).mode & 0o077) !== 0)).toEqual([]);
    // the masked values are there, masked
    expect(channels.console).toContain("********");
    expect(channels.status).toMatch(/censored|hidden/);
  }, 240_000);

  it("a bad -e does not echo the value it could not parse", async () => {
    const r = await kplay([
      "run",
      "playbooks/examples/hello.yml",
      "-i",
      inv,
      "--state-dir",
      join(c.dir, "state-e"),
      "-e",
      '{"ansible_become_password": "hunter2",}',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot parse the -e value as JSON/);
    expect(r.stdout + r.stderr).not.toContain("hunter2");
  });
});

describe("commands see the login umask", () => {
  it("files made by shell, command, script and raw get the mode a plain ssh exec gives", async () => {
    const dir = join(c.dir, "pb-umask");
    mkdirSync(join(dir, "files"), { recursive: true });
    writeFileSync(join(dir, "files", "mk.sh"), "#!/bin/sh\necho x > /tmp/um-script\n");
    writeFileSync(
      join(dir, "play.yml"),
      `
- hosts: node2
  gather_facts: false
  tasks:
    - shell: echo x > /tmp/um-shell
    - command: touch /tmp/um-command
    - script: mk.sh
    - raw: echo x > /tmp/um-raw
`,
    );
    const r = await kplay([
      "run",
      join(dir, "play.yml"),
      "-i",
      inv,
      "--state-dir",
      join(c.dir, "state-umask"),
      "--accept-new-host-keys",
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const n = c.node("node2");
    const { execFileSync } = await import("node:child_process");
    execFileSync(
      "ssh",
      [
        "-i",
        c.key,
        "-p",
        String(n.sshPort),
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "BatchMode=yes",
        "root@127.0.0.1",
        "touch /tmp/um-ssh",
      ],
      { stdio: "ignore" },
    );
    const modes = (
      await c.sh("node2", "stat -c %a /tmp/um-ssh /tmp/um-shell /tmp/um-command /tmp/um-script /tmp/um-raw")
    ).out
      .trim()
      .split("\n");
    expect(modes).toEqual(Array(5).fill(modes[0]));
    expect(modes[0]).toBe("644");
  });
});
