// Connection paths against real sshd: key, password, sudo with password, bastion (ProxyJump and
// kubespray's bastion host), local; host-key policy (unknown refused unless accepted, changed
// always refused); and passwords never shown in console output or JSON events.
import { runSetDir } from "../../src/state/runsets.js";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import ssh2 from "ssh2";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { events, kplay, spawnKplay, startCluster, type TestCluster } from "../harness/cluster.js";

const OPS_PASSWORD = "Op$-s3cret 'quoted' pw";
let c: TestCluster;

beforeAll(async () => {
  c = await startCluster({ nodes: 1, bastion: true, opsPassword: OPS_PASSWORD });
});
afterAll(async () => c?.destroy());

function write(name: string, content: string): string {
  const p = join(c.dir, name);
  writeFileSync(p, content);
  return p;
}

const WHOAMI = `- hosts: all
  gather_facts: false
  become: true
  tasks:
    - name: who am I
      command: id -un
      register: who
      changed_when: false
    - name: record it
      copy:
        dest: /tmp/kplay-whoami
        content: "{{ inventory_hostname }} {{ who.stdout }} {{ ansible_user }}\\n"
`;

function inventory(hosts: Record<string, Record<string, unknown>>, vars: Record<string, unknown> = {}): string {
  return write(
    `inv-${Object.keys(hosts).join("-")}-${Math.random().toString(36).slice(2, 7)}.yml`,
    stringify({ all: { vars, hosts } }),
  );
}

describe("transport", () => {
  it("key login as root, password login as a sudo user, sudo with a password", async () => {
    const n = c.node("node1");
    const pb = write("whoami.yml", WHOAMI);
    const inv = inventory({
      node1: {
        ansible_host: "127.0.0.1",
        ansible_port: n.sshPort,
        ansible_user: "root",
        ansible_ssh_private_key_file: c.key,
      },
    });
    const state = join(c.dir, "st-auth");
    writeFileSync(join(c.dir, "kh-auth"), c.knownHosts);
    const r1 = await kplay(["run", pb, "-i", inv, "--state-dir", state, "--accept-new-host-keys"]);
    expect(r1.code, r1.stdout + r1.stderr).toBe(0);
    expect((await c.sh("node1", "cat /tmp/kplay-whoami")).out).toBe("node1 root root\n");

    const inv2 = inventory({
      node1: {
        ansible_host: "127.0.0.1",
        ansible_port: n.sshPort,
        ansible_user: "ops",
        ansible_ssh_pass: OPS_PASSWORD,
        ansible_become_password: OPS_PASSWORD,
      },
    });
    await c.sh("node1", "rm -f /tmp/kplay-whoami");
    const r2 = await kplay(["run", pb, "-i", inv2, "--state-dir", state, "-v"]);
    expect(r2.code, r2.stdout + r2.stderr).toBe(0);
    // id -un ran as root through sudo; the login user was ops
    expect((await c.sh("node1", "cat /tmp/kplay-whoami; stat -c %U /tmp/kplay-whoami")).out).toBe(
      "node1 root ops\nroot\n",
    );
    expect(r2.stdout + r2.stderr).not.toContain(OPS_PASSWORD);
  });

  it("-k and -K: the SSH and become passwords asked for (lines of standard input without a terminal), shown nowhere", async () => {
    const n = c.node("node1");
    const pb = write("whoami-ask.yml", WHOAMI);
    const inv = inventory({ node1: { ansible_host: "127.0.0.1", ansible_port: n.sshPort, ansible_user: "ops" } });
    const state = join(c.dir, "st-ask");
    await c.sh("node1", "rm -f /tmp/kplay-whoami");
    const args = ["run", pb, "-i", inv, "--state-dir", state, "--accept-new-host-keys", "-v", "-k", "-K"];
    const run = spawnKplay(args);
    // an empty become line: the SSH password, as Ansible's prompt says
    run.child.stdin!.end(`${OPS_PASSWORD}\n\n`);
    const r = await run.done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((await c.sh("node1", "cat /tmp/kplay-whoami")).out).toBe("node1 root ops\n");
    expect(r.stdout + r.stderr).not.toContain(OPS_PASSWORD);
    expect(readFileSync(join(state, "run.log"), "utf8")).not.toContain(OPS_PASSWORD);
    const none = spawnKplay(args);
    none.child.stdin!.end("");
    const refused = await none.done;
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/SSH password: standard input ended before a line/);
  });

  it("a passphrase-protected key, and a key held by ssh-agent", async () => {
    const n = c.node("node1");
    const pb = write("whoami-k.yml", WHOAMI);
    const passphrase = "key-pass-phrase-77";
    const kp = ssh2.utils.generateKeyPairSync("ed25519", { passphrase, cipher: "aes256-ctr", rounds: 4 });
    const keyFile = join(c.dir, "id_pass");
    writeFileSync(keyFile, kp.private, { mode: 0o600 });
    await c.sh("node1", `echo '${kp.public}' >> /root/.ssh/authorized_keys`);
    const state = join(c.dir, "st-keys2");
    const base = { ansible_host: "127.0.0.1", ansible_port: n.sshPort, ansible_user: "root" };
    const inv = inventory({ node1: { ...base, ansible_ssh_private_key_file: keyFile } });
    const bad = await kplay(["run", pb, "-i", inv, "--state-dir", state, "--accept-new-host-keys", "--json"]);
    expect(bad.code).toBe(1); // no passphrase given
    const r = await kplay(["run", pb, "-i", inv, "--state-dir", state, "--json"], {
      env: { KPLAY_SSH_KEY_PASSPHRASE: passphrase },
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(passphrase);

    // ssh-agent holding the unencrypted test key; the inventory names no key and no password.
    const sock = join(c.dir, "agent.sock");
    const agent = spawn("ssh-agent", ["-D", "-a", sock], { stdio: "ignore" });
    try {
      for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
      execFileSync("ssh-add", [c.key], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: "ignore" });
      await c.sh("node1", "rm -f /tmp/kplay-whoami");
      const inv2 = inventory({ node1: base });
      const r2 = await kplay(["run", pb, "-i", inv2, "--state-dir", state], {
        env: { SSH_AUTH_SOCK: sock, HOME: c.dir },
      });
      expect(r2.code, r2.stdout + r2.stderr).toBe(0);
      expect((await c.sh("node1", "cat /tmp/kplay-whoami")).out).toBe("node1 root root\n");
    } finally {
      agent.kill();
    }
  });

  it("a wrong sudo password fails the host with a clear message and no secret in output", async () => {
    const n = c.node("node1");
    const inv = inventory({
      node1: {
        ansible_host: "127.0.0.1",
        ansible_port: n.sshPort,
        ansible_user: "ops",
        ansible_ssh_pass: OPS_PASSWORD,
        ansible_become_password: "wrong-password-123",
      },
    });
    const r = await kplay([
      "run",
      write("who2.yml", WHOAMI),
      "-i",
      inv,
      "--state-dir",
      join(c.dir, "st-auth"),
      "--accept-new-host-keys",
      "--json",
    ]);
    expect(r.code).toBe(1);
    const res = events(r.stdout).find((e) => e.event === "host_result" && e.host === "node1")!;
    expect(res.status).toBe("failed");
    expect(JSON.stringify(res)).toContain("incorrect become password");
    expect(r.stdout + r.stderr).not.toContain("wrong-password-123");
    expect(r.stdout + r.stderr).not.toContain(OPS_PASSWORD);
  });

  it("passwords printed by a task are masked in console output and JSON events", async () => {
    const n = c.node("node1");
    const inv = inventory({
      node1: {
        ansible_host: "127.0.0.1",
        ansible_port: n.sshPort,
        ansible_user: "ops",
        ansible_ssh_pass: OPS_PASSWORD,
        ansible_become_password: OPS_PASSWORD,
      },
    });
    const pb = write(
      "leak.yml",
      `- hosts: all
  gather_facts: false
  tasks:
    - name: print the password
      shell: "read PW; echo pw=$PW; echo err=$PW >&2; exit 3"
      args: { stdin: "{{ ansible_ssh_pass }}" }
      register: leak
      ignore_errors: true
    - debug: { var: ansible_become_password }
    - debug: { msg: "{{ ansible_ssh_pass }}" }
`,
    );
    const state = join(c.dir, "st-auth");
    for (const mode of [[], ["--json"], ["-vv"]]) {
      const r = await kplay(["run", pb, "-i", inv, "--state-dir", state, ...mode]);
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).not.toContain(OPS_PASSWORD);
      expect(r.stdout).toContain("********");
    }
    // the run log and the journal in the state directory are masked too
    const log = readFileSync(join(state, "run.log"), "utf8");
    expect(log).toContain("********");
    expect(
      log + readFileSync(join(runSetDir(state, { kind: "playbooks", files: [pb] }), "journal.jsonl"), "utf8"),
    ).not.toContain(OPS_PASSWORD);
  });

  it("reaches a node only through a bastion: ProxyJump args and kubespray's bastion host", async () => {
    const b = c.node("bastion");
    const inner = c.node("inner");
    expect(inner.sshPort).toBeUndefined();
    const pb = write("whoami-b.yml", WHOAMI);
    const viaArgs = inventory(
      {
        inner: {
          ansible_host: inner.ip,
          ansible_user: "root",
          ansible_ssh_common_args: `-o ProxyJump=root@127.0.0.1:${b.sshPort}`,
        },
      },
      { ansible_ssh_private_key_file: c.key },
    );
    const state = join(c.dir, "st-bastion");
    const r = await kplay(["run", pb, "-i", viaArgs, "--state-dir", state, "--accept-new-host-keys"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((await c.sh("inner", "cat /tmp/kplay-whoami")).out).toBe("inner root root\n");
    const kh = readFileSync(join(state, "known_hosts"), "utf8");
    expect(kh).toContain(`[127.0.0.1]:${b.sshPort} ssh-ed25519`);
    expect(kh).toContain(`${inner.ip} ${inner.hostKey}`);

    await c.sh("inner", "rm -f /tmp/kplay-whoami");
    const viaHost = inventory(
      {
        bastion: { ansible_host: "127.0.0.1", ansible_port: b.sshPort, ansible_user: "root" },
        inner: { ansible_host: inner.ip, ansible_user: "root" },
      },
      { ansible_ssh_private_key_file: c.key },
    );
    const r2 = await kplay(["run", pb, "-i", viaHost, "--state-dir", state, "--limit", "inner"]);
    expect(r2.code, r2.stdout + r2.stderr).toBe(0);
    expect((await c.sh("inner", "cat /tmp/kplay-whoami")).out).toBe("inner root root\n");
  });

  it("runs tasks on the controller with the local connection", async () => {
    const out = join(c.dir, "local-out.txt");
    const inv = inventory({ localhost: { ansible_connection: "local" } });
    const pb = write(
      "local.yml",
      `- hosts: localhost
  gather_facts: true
  tasks:
    - copy: { dest: "${out}", content: "local {{ ansible_os_family }}\\n" }
`,
    );
    const r = await kplay(["run", pb, "-i", inv, "--state-dir", join(c.dir, "st-local")]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(out, "utf8")).toBe("local Debian\n");
  });

  it("refuses an unknown host key unless accepted, and always refuses a changed one", async () => {
    const n = c.node("node1");
    const pb = write("who3.yml", WHOAMI);
    const inv = inventory({
      node1: {
        ansible_host: "127.0.0.1",
        ansible_port: n.sshPort,
        ansible_user: "root",
        ansible_ssh_private_key_file: c.key,
      },
    });
    const state = join(c.dir, "st-keys");
    const r1 = await kplay(["run", pb, "-i", inv, "--state-dir", state, "--json"]);
    expect(r1.code).toBe(1);
    const u = events(r1.stdout).find((e) => e.event === "host_result")!;
    expect(u.status).toBe("unreachable");
    expect(u.result.msg).toMatch(/not known .*--accept-new-host-keys/);

    const r2 = await kplay(["run", pb, "-i", inv, "--state-dir", state, "--accept-new-host-keys"]);
    expect(r2.code, r2.stdout + r2.stderr).toBe(0);
    expect(readFileSync(join(state, "known_hosts"), "utf8")).toBe(`[127.0.0.1]:${n.sshPort} ${n.hostKey}\n`);

    // Same host, same port, a different ed25519 key: the node was "rebuilt".
    const other = c.node("bastion").hostKey;
    writeFileSync(join(state, "known_hosts"), `[127.0.0.1]:${n.sshPort} ${other}\n`);
    const r3 = await kplay(["run", pb, "-i", inv, "--state-dir", state, "--accept-new-host-keys", "--json"]);
    expect(r3.code).toBe(1);
    const ch = events(r3.stdout).find((e) => e.event === "host_result")!;
    expect(ch.status).toBe("unreachable");
    expect(ch.result.msg).toContain(`host key for [127.0.0.1]:${n.sshPort} has CHANGED`);
    expect(readFileSync(join(state, "known_hosts"), "utf8")).toBe(`[127.0.0.1]:${n.sshPort} ${other}\n`);
  });
});
