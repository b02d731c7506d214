// Golden scripts: for each module, arguments (and check mode) → the exact sh it sends, kept in
// test/fixtures/scripts/. A change to generated shell shows up in review as a fixture diff.
// The node is a fake that answers every script with a neutral result line.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { findModule, moduleNames } from "../../src/modules/index.js";
import type { ModuleContext } from "../../src/modules/index.js";
import { UndoLog, UNDO_LOG, revertScript } from "../../src/modules/undo.js";
import { stdinReader, wrapCommand } from "../../src/transport/become.js";
import { cleanupScript, detachedScript } from "../../src/transport/detach.js";
import { launchScript } from "../../src/modules/async_status.js";
import { raw, secret, sh, userScript, type Sh } from "../../src/transport/sh.js";

const HOSTILE = "x$(touch /tmp/PWN)'\"`;";

type CaseOptions = { check?: boolean; undo?: boolean; vars?: Record<string, unknown> };

const CASES: Array<[string, string, Record<string, unknown>, CaseOptions?]> = [
  ["command-argv", "command", { cmd: "ls -l /etc", chdir: "/tmp", creates: "/x y" }],
  ["command-check", "command", { cmd: "ls", removes: "/r" }, { check: true }],
  ["shell-executable", "shell", { cmd: "echo $HOME | tr a b", executable: "/bin/bash", stdin: "in" }],
  ["raw", "raw", { _raw: "uname -a; id" }],
  ["raw-executable", "raw", { _raw: "echo hi", executable: "/bin/bash" }],
  [
    "copy",
    "copy",
    { dest: "/etc/x.conf", content: "a\n", mode: "0640", owner: "root", group: "adm", backup: true },
    { undo: true },
  ],
  ["copy-check", "copy", { dest: "/etc/x.conf", content: "a\n" }, { check: true }],
  [
    "copy-remote-src",
    "copy",
    { src: "/root/.ssh/ak", dest: "/home/u/.ssh/", remote_src: true, owner: "u", group: "g", mode: "0600" },
    { undo: true },
  ],
  [
    "file-directory",
    "file",
    { path: "/opt/a b", state: "directory", mode: "0755", owner: "-x", recurse: true, group: "g" },
    { undo: true },
  ],
  ["file-absent", "file", { path: "/opt/old", state: "absent" }],
  ["file-touch", "file", { path: "/opt/t", state: "touch", mode: "u+rw" }],
  ["file-link", "file", { path: "/opt/l", state: "link", src: "/opt/t", force: true }],
  ["file-attrs", "file", { path: "/opt/f", owner: HOSTILE }],
  ["lineinfile", "lineinfile", { path: "/etc/f", line: "a=1", create: true }, { undo: true }],
  ["stat", "stat", { path: "/etc/passwd", checksum_algorithm: "sha256" }],
  ["slurp", "slurp", { src: "/etc/hostname" }],
  [
    "get_url",
    "get_url",
    {
      url: "http://10.0.0.5/f.tgz",
      dest: "/opt/f.tgz",
      checksum: "sha256:http://10.0.0.5/f.sha256",
      url_username: "u",
      url_password: "pw",
      mode: "0644",
    },
  ],
  // on a node the destination's original (or that there was none) is logged before the move
  ["get_url-undo", "get_url", { url: "https://h/f", dest: "/opt/", checksum: "sha256:abcd" }, { undo: true }],
  [
    "get_url-check",
    "get_url",
    { url: "https://h/f", dest: "/opt/f", checksum: "sha256:abcd", validate_certs: false },
    { check: true },
  ],
  [
    "unarchive",
    "unarchive",
    {
      src: "/srv/a.tar.gz",
      dest: "/opt",
      remote_src: true,
      creates: "/opt/a",
      extra_opts: ["--strip-components=1"],
      owner: "root",
    },
  ],
  ["unarchive-zip", "unarchive", { src: "/srv/a.zip", dest: "/opt", remote_src: true }, { check: true }],
  [
    "unarchive-members",
    "unarchive",
    { src: "/srv/a.tgz", dest: "/opt", remote_src: true, include: ["a/b", HOSTILE], list_files: true, mode: "u=rwX" },
  ],
  [
    "unarchive-sent",
    "unarchive",
    { src: "a.zip", dest: "/opt", exclude: ["*.sh", HOSTILE], keep_newer: true, group: "adm" },
  ],
  [
    "unarchive-url",
    "unarchive",
    { src: "https://10.0.0.5/a.tgz", dest: "/opt", remote_src: true, validate_certs: false },
  ],
  ["apt", "apt", { name: ["curl", "jq=1.6-2", HOSTILE], update_cache: true, cache_valid_time: 3600 }, { undo: true }],
  ["apt-latest", "apt", { name: "curl", state: "latest" }],
  ["apt-absent-check", "apt", { name: "curl", state: "absent", purge: true }, { check: true }],
  ["dnf", "dnf", { name: ["curl", "jq"], update_cache: true }, { undo: true }],
  ["dnf-latest", "dnf", { name: "curl", state: "latest" }],
  ["apt_repository", "apt_repository", { repo: "deb http://10.0.0.5/debian bookworm main", state: "absent" }],
  ["service", "service", { name: "chrony", state: "restarted", enabled: true, daemon_reload: true }],
  ["service-started", "service", { name: HOSTILE, state: "started", masked: false }],
  ["service-check", "systemd", { name: "chrony", state: "reloaded", enabled: false }, { check: true }],
  ["sysctl", "sysctl", { name: "net.ipv4.ip_forward", value: 1, sysctl_file: "/etc/sysctl.d/k.conf" }, { undo: true }],
  ["sysctl-absent", "sysctl", { name: "vm.swappiness", state: "absent", ignoreerrors: true }],
  ["sysctl-set", "sysctl", { name: "net.ipv4.tcp_rmem", value: HOSTILE, sysctl_set: true, reload: false }],
  ["mount-present", "mount", { path: "/srv/my data", src: HOSTILE, fstype: "xfs", boot: false, state: "present" }],
  ["mount-mounted", "mount", { path: "/srv/data", src: "tmpfs", fstype: "tmpfs", opts: "size=1m", state: "mounted" }],
  ["mount-absent", "mount", { path: "/srv/data", state: "absent", fstab: "/etc/fstab.d/x" }, { undo: true }],
  ["mount-unmounted-check", "mount", { path: HOSTILE, state: "unmounted" }, { check: true }],
  ["modprobe", "modprobe", { name: "br_netfilter", params: "a=1 b=2", persistent: "present" }],
  ["modprobe-absent", "modprobe", { name: "overlay", state: "absent", persistent: "absent" }, { check: true }],
  ["hostname", "hostname", { name: "node1.example" }],
  [
    "openssh_keypair",
    "openssh_keypair",
    { path: "/etc/ssh/ssh_host_rsa_key", size: 4096, comment: HOSTILE, mode: "0600", owner: "root" },
    { undo: true },
  ],
  ["openssh_keypair-fail", "openssh_keypair", { path: "k", type: "ed25519", regenerate: "fail" }, { check: true }],
  ["openssh_keypair-absent", "openssh_keypair", { path: "/root/.ssh/id", state: "absent" }, { undo: true }],
  [
    "user",
    "user",
    {
      name: "ops",
      uid: 1001,
      group: "adm",
      groups: ["root", HOSTILE],
      append: true,
      shell: "/bin/sh",
      home: "/home/ops",
      comment: "Ops",
      password: "$6$x",
    },
  ],
  ["user-exact", "user", { name: "ops", groups: "a,b" }, { check: true }],
  // a list argument with zero, one and many items: every script parses (sh -n)
  ["user-groups-none", "user", { name: "ops", groups: [] }],
  ["user-groups-none-local", "user", { name: "ops", groups: "", local: true }],
  ["user-groups-one", "user", { name: "ops", groups: ["wheel"] }],
  ["user-absent", "user", { name: "ops", state: "absent", remove: true }],
  ["user-absent-force", "user", { name: "ops", state: "absent", force: true }],
  ["wait_for-port", "wait_for", { host: HOSTILE, port: 9, timeout: 0 }],
  ["wait_for-local", "wait_for", { port: 22, timeout: 5, delay: 1 }],
  ["wait_for-path", "wait_for", { path: "/tmp/x", search_regex: "ready", state: "present" }],
  ["wait_for-drained", "wait_for", { port: 8080, state: "drained", exclude_hosts: ["10.0.0.1"], timeout: 5 }],
  ["wait_for-port-regex", "wait_for", { host: "10.0.0.9", port: 22, search_regex: "SSH-2", timeout: 5 }],
  ["wait_for-sleep", "wait_for", { timeout: 2, delay: 1 }],
  ["user-ssh-key", "user", { name: "svc", generate_ssh_key: true, ssh_key_type: "ed25519", ssh_key_comment: "a b" }],
  ["find", "find", { paths: ["/var/log", "/srv/x y"], patterns: "*.log", recurse: true, depth: 2, follow: true }],
  ["find-contains", "find", { paths: "/etc", contains: "^Port", get_checksum: true, read_whole_file: true }],
  ["user-ssh-key-passphrase", "user", { name: "svc", generate_ssh_key: true, ssh_key_passphrase: "it's secret" }],
  [
    "user-local",
    "user",
    { name: "svc", local: true, groups: ["a", "b"], expires: 1700000000, shell: "/bin/sh", password_lock: true },
  ],
  ["user-local-absent", "user", { name: "svc", local: true, state: "absent", remove: true, force: true }],
  ["user-home-fallback", "user", { name: "svc", skeleton: "/etc/skel-ops" }],
  ["timezone", "timezone", { name: "America/Denver", hwclock: "UTC" }],
  ["timezone-check", "timezone", { name: "Europe/Berlin" }, { check: true }],
  ["getent", "getent", { database: "passwd", key: "root", service: "files" }],
  ["pip", "pip", { name: ["kplaydemo>=1", "<2"], extra_args: "--no-index --find-links /srv/wheels" }],
  ["pip-venv", "pip", { name: "x", version: "1.0", virtualenv: "venv", chdir: "/srv", umask: "0022" }],
  ["pip-requirements", "pip", { requirements: "/srv/req.txt", executable: "/opt/py/bin/pip", state: "absent" }],
  ["async_status", "async_status", { jid: "j8123.4567" }],
  ["async_status-cleanup", "async_status", { jid: "j1.2", mode: "cleanup" }],
];

const ANSWER =
  "KPLAY-ABSENT\nKPLAY-RESULT: changed=0 content=same sum= exists=1 isfile=1 attrs_changed=0 ok=1 elapsed=0 tries=1 cache=0 active=active enabled=enabled dest=\n";

/** The scripts a module sends for `args` (every round trip), answered with ANSWER. */
async function scriptsOf(module: string, args: Record<string, unknown>, o: CaseOptions = {}): Promise<string[]> {
  const mod = findModule(module)!;
  const scripts: string[] = [];
  const ctx: ModuleContext = {
    host: "node1",
    check: !!o.check,
    diff: false,
    undo: new UndoLog(!!o.undo),
    vars: o.vars ?? { ansible_pkg_mgr: "apt" },
    exec: async (script, x) => {
      scripts.push(String(script) + (x?.stdin !== undefined ? `\n# stdin: ${x.stdin.length} bytes` : ""));
      return { rc: 0, stdout: ANSWER, stderr: "" };
    },
    readLocal: () => Buffer.from("data"),
    localPath: (p) => p,
    renderFile: (t) => t,
  };
  await mod.run(ctx, mod.schema.parse(args));
  return scripts;
}

describe("the undo contract", () => {
  // a module declaring "recorded" writes to the node's undo log from its own script (no extra
  // round trip) when the log is enabled, and never when it is not (check mode, the controller)
  it.each(CASES.filter(([, module]) => findModule(module)!.undo === "recorded"))(
    "%s",
    async (_, module, args, o = {}) => {
      const on = (await scriptsOf(module, args, { ...o, undo: true })).join("\n");
      const off = (await scriptsOf(module, args, { ...o, undo: false })).join("\n");
      expect(off).not.toContain(UNDO_LOG);
      // in check mode nothing changes, so nothing is logged either
      if (o.check) expect(on).not.toContain(UNDO_LOG);
      else expect(on).toContain(UNDO_LOG);
    },
  );

  it("every module says how its changes are undone", () => {
    for (const name of moduleNames()) expect(["recorded", "none", "task"]).toContain(findModule(name)!.undo);
  });
});

describe("golden module scripts", () => {
  it.each(CASES)("%s", async (name, module, args, o = {}) => {
    const scripts = await scriptsOf(module, args, o);
    await expect(scripts.join("\n# ---- next round trip ----\n") + "\n").toMatchFileSnapshot(
      `../fixtures/scripts/${name}.sh`,
    );
  });
});

describe("user: ssh_key_passphrase", () => {
  it("reaches the node inside a secret script (sent on stdin), never as ssh-keygen's -N argument", async () => {
    const mod = findModule("user")!;
    const sent: Sh[] = [];
    const ctx = {
      host: "node1",
      check: false,
      diff: false,
      undo: new UndoLog(false),
      vars: {},
      exec: async (script: Sh) => (sent.push(script), { rc: 0, stdout: ANSWER, stderr: "" }),
      readLocal: () => Buffer.from(""),
      localPath: (p: string) => p,
      renderFile: (t: string) => t,
    } as unknown as ModuleContext;
    await mod.run(ctx, mod.schema.parse({ name: "svc", generate_ssh_key: true, ssh_key_passphrase: "pp-4471" }));
    expect(sent.length).toBe(1);
    expect(sent[0].secret).toBe(true);
    expect(sent[0].text).not.toMatch(/ssh-keygen[^\n]*-N/);
  });
});

describe("async_status", () => {
  it("takes only a job id, never a path", () => {
    const schema = findModule("async_status")!.schema;
    for (const jid of ["../../etc", "a/b", HOSTILE, "..", ""]) expect(schema.safeParse({ jid }).success).toBe(false);
    expect(schema.safeParse({ jid: "j8123.4567" }).success).toBe(true);
  });
});

describe("every golden module script is valid sh", () => {
  // `sh -n` parses without running: a syntax error in a branch a case does not take still shows
  it.each(CASES)("%s", async (name, module, args, o = {}) => {
    for (const script of await scriptsOf(module, args, o)) {
      const r = spawnSync("sh", ["-n"], { input: script.replace(/\n# stdin: \d+ bytes$/, ""), encoding: "utf8" });
      expect(r.stderr, `${name}:\n${script}`).toBe("");
      expect(r.status).toBe(0);
    }
  });
});

describe("golden transport scripts", () => {
  it.each([
    ["detached", () => detachedScript("run1/01-step/a1", "3_tasks_0.0.1.0", userScript("echo hi"))],
    [
      "detached-stdin-stream",
      () =>
        detachedScript("run1/01-step/a1", "3_tasks_0.0.1.0", userScript("cat"), {
          stream: true,
          stdinSum: "ab".repeat(32),
        }),
    ],
    ["detached-secret", () => detachedScript("run1/01-step/a1", "n", sh`echo ${secret("hunter2")}`)],
    ["become-nopasswd", () => raw(wrapCommand(sh`id -u`, { loginUser: "ops", becomeUser: "root" }).command)],
    [
      "become-su-password",
      () =>
        raw(
          wrapCommand(sh`id -u`, {
            loginUser: "ops",
            becomeUser: "root",
            password: "pw",
            method: "su",
          }).command.replace(/[0-9a-f]{16}/g, "NONCE"),
        ),
    ],
    ["secret-reader", () => raw(wrapCommand(stdinReader(1234), undefined).command)],
    ["revert", () => revertScript()],
    ["async-launch", () => launchScript(HOSTILE, 30)],
    ["cleanup", () => cleanupScript("run1/01-step")],
  ] as Array<[string, () => Sh]>)("%s", async (name, make) => {
    await expect(make().text + "\n").toMatchFileSnapshot(`../fixtures/scripts/transport-${name}.sh`);
  });
});
