// Bad input by class (issue 33): every case is a directory of input files and a command; a case
// passes when kplay exits with the code named, says one plain line naming the place, shows no
// stack, no "internal error" and no library wording, and leaves the directory — inputs, state
// directory, outputs — exactly as it found it. Most cases call the CLI's main() in this process,
// one at a time in the case's directory (what the built CLI's entry does, without 0.5 s of start
// per case); a case that could hang, grow memory, read standard input or needs another process
// as the lock holder runs the built CLI as a process (npm test builds first).
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { runCliHere } from "../harness/cli-in-process.js";

const BIN = join(import.meta.dirname, "../../bin/kplay.js");
/** The built CLI's main(), what BIN runs: shipped playbooks are found beside the built code. */
const { main } = (await import(join(import.meta.dirname, "../../dist/cli/main.js"))) as {
  main: (argv: string[]) => Promise<number>;
};

type Files = Record<string, string | Buffer>;
interface Case {
  name: string;
  files?: Files;
  /** Extra set-up in the case's directory (symlinks, FIFOs, modes). */
  setup?: (dir: string) => void;
  args: string[];
  code: number;
  message: RegExp;
  stdin?: string;
  /** The run starts (a host fails at run time, exit 1): its state is written, as it should be. */
  writes?: boolean;
  /** Run as a process of its own: a regression could hang or exhaust this one, or it needs stdin. */
  process?: true;
}

const INV =
  "all:\n  hosts:\n    h1: { ansible_connection: local }\n    h2: { ansible_connection: local }\n  children:\n    web: { hosts: { h1: {} } }\n";
/** Hosts reached over SSH (never reached: every case here is refused before a connection). */
const SSH_INV = { "ssh.yml": "all:\n  hosts:\n    n1: { ansible_host: 127.0.0.1, ansible_port: 1 }\n" };
const ETCD_INV = {
  "etcd.yml": "all:\n  children:\n    etcd:\n      hosts:\n        e1: { ansible_host: 127.0.0.1, ip: 10.0.0.1 }\n",
};
const play = (body: string, head = "- hosts: all\n  gather_facts: false\n") => `${head}${body}`;
const DEBUG = "  tasks: [{ debug: { msg: hi } }]\n";
const run = (pb = "pb.yml", ...more: string[]) => ["run", pb, "-i", "inv.yml", ...more];

/** Everything under dir: path -> type, mode, size and content hash (symlinks by target). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    const p = join(dir, rel);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) out[rel] = "link";
    else if (st.isDirectory()) {
      out[rel] = `dir ${st.mode.toString(8)}`;
      for (const e of readdirSync(p)) walk(rel ? join(rel, e) : e);
    } else if (st.isFile()) {
      const hash = createHash("sha256").update(readFileSync(p)).digest("hex").slice(0, 16);
      out[rel] = `file ${st.mode.toString(8)} ${st.size} ${hash}`;
    } else out[rel] = "other";
  };
  walk("");
  return out;
}

function write(dir: string, files: Files): void {
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
}

function kplay(
  dir: string,
  args: string[],
  stdin?: string,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1", KPLAY_HOME: join(dir, ".home") },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    let stdout = "";
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    p.stdout.on("data", (d: Buffer) => (stdout = (stdout + d.toString()).slice(-100_000)));
    p.stdin.end(stdin ?? "");
    p.on("close", (code) => done({ code, stderr, stdout }));
  });
}

/** kplay ARGS in this process as the entry would run it, in dir: exit status and output. */
async function kplayHere(dir: string, args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  const env = { NO_COLOR: "1", KPLAY_HOME: join(dir, ".home") };
  const r = await runCliHere(main, args, { cwd: dir, env });
  return { code: r.status, stdout: r.stdout.slice(-100_000), stderr: r.stderr };
}

/** Wording of the libraries kplay uses, never shown to a user as it is. */
const LIBRARY_WORDS =
  /internal error|\n\s+at |expected record|Invalid key in record|parseAllDocuments|Maximum call stack|argument is ambiguous|resource exhaustion|ENOENT|EISDIR|ENOTDIR|ELOOP|EACCES|EEXIST|Invalid input|Invalid option|Too (small|big):/;

const bom = "\ufeff";
const cases: Case[] = [
  // --- worst first: false success and wider effect
  {
    name: "hosts: []",
    files: { "pb.yml": play(DEBUG, "- hosts: []\n  gather_facts: false\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:1(:\d+)?: hosts: .*empty/,
  },
  {
    name: "hosts: ''",
    files: { "pb.yml": play(DEBUG, "- hosts: ''\n  gather_facts: false\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:1(:\d+)?: hosts: .*empty/,
  },
  {
    name: "--limit ''",
    files: { "pb.yml": play(DEBUG) },
    args: run("pb.yml", "--limit", ""),
    code: 2,
    message: /--limit: an empty pattern/,
  },
  {
    name: "a module argument outside its choices, in Ansible's words",
    files: { "pb.yml": play("  tasks: [{ lineinfile: { path: /tmp/x, line: y, state: maybe } }]\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:3:\d+: lineinfile\.state: must be one of: present, absent, got: maybe$/m,
  },
  {
    name: "an inventory group's children given as a list",
    files: { "pb.yml": play(DEBUG), "inv.yml": "all:\n  hosts:\n    h1:\n  children: [web]\n" },
    args: run(),
    code: 2,
    message: /inv\.yml:4:\d+: all\.children: must be a mapping, got a list$/m,
  },
  {
    name: "a host's port out of range",
    files: { "pb.yml": play(DEBUG), "inv.yml": "all:\n  hosts:\n    h1: { ansible_port: 99999 }\n" },
    args: run(),
    code: 2,
    message: /inv\.yml:3:\d+: h1\.ansible_port: .*must be at most 65535, got: 99999$/m,
  },
  {
    name: "--tags ''",
    files: { "pb.yml": play(DEBUG) },
    args: run("pb.yml", "--tags", ""),
    code: 2,
    message: /--tags: an empty list names no tag/,
  },
  {
    name: "--limit with a [ never closed (a literal, as fnmatch reads it)",
    files: { "pb.yml": play(DEBUG) },
    args: run("pb.yml", "--limit", "h1["),
    code: 2,
    message: /--limit h1\[ matches no host/,
  },
  {
    name: "hosts: a glob whose class cannot be read",
    files: { "pb.yml": play(DEBUG, "- hosts: 'h[5-1]'\n  gather_facts: false\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:1(:\d+)?: hosts: invalid host pattern: h\[5-1\]/,
  },
  {
    name: "hosts naming no host or group",
    files: { "pb.yml": play(DEBUG, "- hosts: wbe\n  gather_facts: false\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:1(:\d+)?: hosts: "wbe" matches no host or group of the inventory.*did you mean "web"/,
  },
  {
    name: "hosts from an undefined variable",
    files: { "pb.yml": play(DEBUG, "- hosts: '{{ target }}'\n  gather_facts: false\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:1(:\d+)?: hosts: .*'target' is undefined/,
  },
  {
    name: "--tags naming no tag of the playbooks",
    files: { "pb.yml": play(DEBUG) },
    args: run("pb.yml", "--tags", "nosuchtag"),
    code: 2,
    message: /--tags nosuchtag: no task, block, role or play of the playbooks has this tag/,
  },
  {
    // Ansible accepts it (one command line for many playbooks): it skips nothing, and kplay says so
    name: "--skip-tags naming no tag of the playbooks runs, with a warning",
    files: { "pb.yml": play(DEBUG) },
    args: run("pb.yml", "--skip-tags", "nosuchtag"),
    code: 0,
    message: /\[WARNING\]: --skip-tags nosuchtag: no task, block, role or play of the playbooks has this tag/,
    writes: true,
  },
  {
    name: "backup --out onto the inventory",
    files: { "pb.yml": play(DEBUG), ".kplay/facts/x": "{}" },
    args: ["backup", "--out", "inv.yml", "-i", "inv.yml"],
    code: 2,
    message: /--out inv\.yml: .*is an input of this command/,
  },
  {
    name: "backup --out onto an existing file",
    files: { old: "keep", ".kplay/facts/x": "{}" },
    args: ["backup", "--out", "old", "-i", "inv.yml"],
    code: 2,
    message: /--out old: the file exists.*--force/,
  },
  {
    name: "backup --out into a missing directory",
    files: { ".kplay/facts/x": "{}" },
    args: ["backup", "--out", "no/such/b.tgz", "-i", "inv.yml"],
    code: 2,
    message: /--out no\/such\/b\.tgz: the directory no\/such does not exist/,
  },
  {
    name: "backup --out a directory",
    files: { ".kplay/facts/x": "{}", "d/x": "" },
    args: ["backup", "--out", "d", "-i", "inv.yml"],
    code: 2,
    message: /--out d: is a directory/,
  },
  {
    name: "report --html onto an existing file",
    files: { ".kplay/run.log": "", "r.html": "keep" },
    args: ["report", "--html", "r.html", "-i", "inv.yml"],
    code: 2,
    message: /--html r\.html: the file exists/,
  },
  {
    name: "manifests rewrite with a bad second manifest",
    files: {
      "good.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: a, image: nginx:1}]\n",
      "bad.yaml": "apiVersion: v1\nkind: Pod\nspec: [\n",
    },
    args: ["manifests", "rewrite", "good.yaml", "bad.yaml", "--registry", "reg.local/p"],
    code: 2,
    message: /bad\.yaml:\d+/,
  },
  // --- accepted silently
  {
    name: "a role depending on itself",
    files: {
      "pb.yml": play("  roles: [a]\n"),
      "roles/a/meta/main.yml": "dependencies: [a]\n",
      "roles/a/tasks/main.yml": "- debug: {msg: a}\n",
    },
    args: run(),
    code: 2,
    message: /roles\/a\/meta\/main\.yml:1(:\d+)?: dependencies: .*cycle: a -> a/,
  },
  {
    name: "loop_control with a key Ansible's LoopControl does not have",
    files: { "pb.yml": play("  tasks:\n    - debug: { msg: x }\n      loop: [1]\n      loop_control: { lable: x }\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:6:\d+: loop_control\.lable: 'lable' is not a valid attribute for a LoopControl/,
  },
  {
    name: "role dependencies given as a word, not a list (Ansible's words)",
    files: {
      "pb.yml": play("  roles: [a]\n"),
      "roles/a/meta/main.yml": "dependencies: b\n",
      "roles/a/tasks/main.yml": "- debug: {msg: a}\n",
    },
    args: run(),
    code: 2,
    message: /roles\/a\/meta\/main\.yml:1:\d+: dependencies: Expected role dependencies to be a list\./,
  },
  {
    name: "a role's meta file that is a list",
    files: {
      "pb.yml": play("  roles: [a]\n"),
      "roles/a/meta/main.yml": "- b\n",
      "roles/a/tasks/main.yml": "- debug: {msg: a}\n",
    },
    args: run(),
    code: 2,
    message: /roles\/a\/meta\/main\.yml:1: a role's meta file must hold a mapping/,
  },
  {
    name: "play variables that refer to each other: said once",
    files: {
      "pb.yml": play(
        '    - debug: { msg: "{{ a }}" }\n',
        '- hosts: all\n  gather_facts: false\n  vars: { a: "{{ b }}", b: "{{ a }}" }\n  tasks:\n',
      ),
    },
    args: run(),
    code: 2,
    // found when the play's variables are first rendered: the run has started
    writes: true,
    message: /pb\.yml(:\d+)*: a: template error: variable "a" refers to itself$/m,
  },
  {
    name: "a role dependency cycle",
    files: {
      "pb.yml": play("  roles: [a]\n"),
      "roles/a/meta/main.yml": "dependencies: [b]\n",
      "roles/b/meta/main.yml": "dependencies: [{ role: a }]\n",
      "roles/a/tasks/main.yml": "- debug: {msg: a}\n",
      "roles/b/tasks/main.yml": "- debug: {msg: b}\n",
    },
    args: run(),
    code: 2,
    message: /meta\/main\.yml:1(:\d+)?: dependencies: .*cycle: (a -> b -> a|b -> a -> b)/,
  },
  {
    name: "a missing role dependency",
    files: {
      "pb.yml": play("  roles: [a]\n"),
      "roles/a/meta/main.yml": "dependencies:\n  - nosuch\n",
      "roles/a/tasks/main.yml": "- debug: {msg: a}\n",
    },
    args: run(),
    code: 2,
    message: /roles\/a\/meta\/main\.yml:2(:\d+)?: .*nosuch/,
  },
  {
    name: "serial: 150%",
    files: { "pb.yml": play(DEBUG, "- hosts: all\n  gather_facts: false\n  serial: '150%'\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:3(:\d+)?: serial: .*150%/,
  },
  {
    name: "tags as a mapping",
    files: { "pb.yml": play("  tasks:\n    - debug: {msg: hi}\n      tags: {a: 1}\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:5(:\d+)?: tags: /,
  },
  {
    name: "a variable named 1abc",
    files: { "pb.yml": play(DEBUG, "- hosts: all\n  gather_facts: false\n  vars:\n    1abc: x\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:4(:\d+)?: vars: .*1abc.*not a valid variable name/,
  },
  {
    name: "set_fact of a bad name",
    files: { "pb.yml": play("  tasks:\n    - set_fact: { 'a-b': 1 }\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:4(:\d+)?: .*a-b.*not a valid variable name/,
  },
  {
    name: "register of a bad name",
    files: { "pb.yml": play("  tasks:\n    - command: 'true'\n      register: 9x\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:5(:\d+)?: register: .*9x/,
  },
  {
    name: "file path given as a list",
    files: { "pb.yml": play("  tasks:\n    - file: { path: [a, b], state: directory }\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:4(:\d+)?: file\.path: .*list/,
  },
  {
    name: "copy dest given as a mapping",
    files: { "pb.yml": play("  tasks:\n    - copy: { content: x, dest: { a: 1 } }\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:4(:\d+)?: copy\.dest: /,
  },
  {
    name: "status with a stray argument",
    files: {},
    args: ["status", "extra", "-i", "inv.yml"],
    code: 2,
    message: /status takes no arguments \(got extra\)/,
  },
  {
    name: "inventory with a stray argument",
    files: {},
    args: ["inventory", "extra", "-i", "inv.yml", "--list"],
    code: 2,
    message: /inventory takes no arguments \(got extra\)/,
  },
  {
    name: "bundle list with kube_version without v",
    files: {},
    args: ["bundle", "list", "files", "-e", "kube_version=1.28.4"],
    code: 2,
    message: /kube_version: .*1\.28\.4.*v1\.28\.4/,
  },
  // --- hangs and memory
  {
    name: "a YAML range of 100 million hosts",
    process: true,
    files: { "big.yml": "all:\n  hosts:\n    node[1:99999999]:\n" },
    args: ["inventory", "-i", "big.yml", "--list"],
    code: 2,
    message: /big\.yml:3(:\d+)?: node\[1:99999999\]: .*more than 10000 hosts/,
  },
  {
    name: "an INI range of 100 million hosts",
    process: true,
    files: { "big.ini": "[web]\nnode[1:99999999]\n" },
    args: ["inventory", "-i", "big.ini", "--list"],
    code: 2,
    message: /big\.ini:2(:\d+)?: node\[1:99999999\]: .*more than 10000 hosts/,
  },
  {
    name: "-i /dev/zero",
    process: true,
    files: {},
    args: ["inventory", "-i", "/dev/zero", "--list"],
    code: 2,
    message: /\/dev\/zero: not a regular file/,
  },
  {
    name: "-i a FIFO",
    process: true,
    setup: (d) => mkfifo(join(d, "fifo")),
    args: ["inventory", "-i", "fifo", "--list"],
    code: 2,
    message: /fifo: not a regular file/,
  },
  {
    name: "a playbook that is a FIFO",
    process: true,
    setup: (d) => mkfifo(join(d, "pb.yml")),
    args: run(),
    code: 2,
    message: /pb\.yml: not a regular file/,
  },
  {
    name: "include_tasks including itself",
    process: true,
    files: { "pb.yml": play("  tasks:\n    - include_tasks: self.yml\n"), "self.yml": "- include_tasks: self.yml\n" },
    args: run(),
    code: 2,
    message: /self\.yml:1(:\d+)?: include_tasks: .*more than 20 levels deep/,
  },
  {
    name: "a templated include_tasks including itself",
    process: true,
    files: {
      "pb.yml": play("  tasks:\n    - include_tasks: self.yml\n"),
      "self.yml": "- include_tasks: \"{{ 'self.yml' }}\"\n",
    },
    args: run(),
    // found only when it runs: the run stops there, as on any included file that cannot be read
    code: 2,
    writes: true,
    message: /self\.yml:1(:\d+)?: include_tasks: .*includes nest deeper than 64 levels/,
  },
  {
    name: "restore-state of a gzip bomb",
    process: true,
    setup: (d) => writeFileSync(join(d, "bomb.tgz"), gzipSync(Buffer.alloc(300 * 1024 * 1024))),
    args: ["restore-state", "bomb.tgz", "--state-dir", "st"],
    code: 2,
    message: /bomb\.tgz: .*(not a kplay backup|more than)/,
  },
  // --- config.yaml as a cluster
  ...clusterCases(),
  {
    name: "a CA key without its certificate",
    files: {
      "config.yaml": withIps(readFileSync(join(import.meta.dirname, "../fixtures/config/kubeplay.yaml"), "utf8")),
      ".kplay/pki/ca.key": "k",
    },
    setup: (d) => chmodSync(join(d, ".kplay"), 0o700),
    args: ["deploy-cluster", "-c", "config.yaml"],
    code: 2,
    message: /\.kplay\/pki\/ca\.key: ca\.key exists without ca\.crt: a CA needs both/,
  },
  {
    name: "a CA certificate that is not one",
    files: {
      "config.yaml": withIps(readFileSync(join(import.meta.dirname, "../fixtures/config/kubeplay.yaml"), "utf8")),
      ".kplay/pki/etcd/ca.crt": "garbage",
      ".kplay/pki/etcd/ca.key": "k",
    },
    setup: (d) => chmodSync(join(d, ".kplay"), 0o700),
    args: ["deploy-cluster", "-c", "config.yaml"],
    code: 2,
    message: /pki\/etcd\/ca\.crt: is not a PEM certificate/,
  },
  {
    name: "an etcd member without an ip (its ansible_host a name, not an address)",
    files: {
      "config.yaml": readFileSync(join(import.meta.dirname, "../fixtures/config/kubeplay.yaml"), "utf8").replace(
        "ansible_host: 172.20.0.21",
        "ansible_host: node1.example",
      ),
    },
    args: ["deploy-cluster", "-c", "config.yaml"],
    code: 2,
    message: /config\.yaml:\d+(:\d+)?: node1\.ip: etcd member node1 has no ip/,
  },
  {
    name: "an empty bootstrap group",
    files: {
      "config.yaml": withIps(
        readFileSync(join(import.meta.dirname, "../fixtures/config/kubeplay.yaml"), "utf8"),
      ).replace("      calico_rr:", "      bootstrap:\n        hosts: {}\n      calico_rr:"),
    },
    args: ["deploy-cluster", "-c", "config.yaml"],
    code: 2,
    message: /bootstrap: group bootstrap is empty/,
  },
  {
    name: "certs check with a controller CA that is no certificate",
    files: {
      "cinv.yml":
        "all:\n  children:\n    kube_control_plane:\n      hosts:\n        h1: { ansible_connection: local }\n" +
        "    k8s_cluster:\n      children:\n        kube_control_plane: {}\n",
      "st/pki/ca.crt": "garbage\n",
    },
    args: ["certs", "check", "-i", "cinv.yml", "--state-dir", "st"],
    code: 1,
    writes: true,
    message: /\(controller\): certificates not listed: \S+\/st\/pki\/ca\.crt is not a PEM certificate/,
  },
  // --- found late instead of at load
  {
    name: "mode u=rwz",
    files: { "pb.yml": play("  tasks:\n    - file: { path: /tmp/x, state: touch, mode: u=rwz }\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:4(:\d+)?: file\.mode: .*u=rwz/,
  },
  {
    name: "a template syntax error in an argument",
    files: { "pb.yml": play("  tasks:\n    - debug: { msg: '{{ foo bar }}' }\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:4(:\d+)?: debug\.msg: /,
  },
  {
    name: "an unclosed if in an argument",
    files: { "pb.yml": play("  tasks:\n    - debug: { msg: '{% if x %}a' }\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:4(:\d+)?: debug\.msg: /,
  },
  {
    name: "an unknown filter",
    files: { "pb.yml": play("  tasks:\n    - debug: { msg: '{{ 1 | nosuchfilter }}' }\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:4(:\d+)?: debug\.msg: .*nosuchfilter/,
  },
  {
    name: "an unknown test",
    files: { "pb.yml": play("  tasks:\n    - debug: { msg: hi }\n      when: 1 is nosuchtest\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:5(:\d+)?: when: .*nosuchtest/,
  },
  {
    name: "include_vars of a missing file",
    files: { ...SSH_INV, "pb.yml": play("  tasks:\n    - include_vars: nosuch.yml\n") },
    args: ["run", "pb.yml", "-i", "ssh.yml"],
    code: 2,
    message: /pb\.yml:4(:\d+)?: include_vars: .*nosuch\.yml/,
  },
  {
    name: "include_vars of a binary file",
    files: {
      "pb.yml": play("  tasks:\n    - include_vars: bin.yml\n"),
      "bin.yml": Buffer.from([0, 1, 2, 255, 254, 0]),
    },
    args: run(),
    code: 2,
    message: /bin\.yml: .*binary/,
  },
  {
    name: "loop over a literal string",
    files: { "pb.yml": play("  tasks:\n    - debug: { msg: '{{ item }}' }\n      loop: abc\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:5(:\d+)?: loop: .*list/,
  },
  {
    name: "loop over a literal mapping",
    files: { "pb.yml": play("  tasks:\n    - debug: { msg: '{{ item }}' }\n      loop: { a: 1 }\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:5(:\d+)?: loop: .*list/,
  },
  {
    name: "loop over an integer",
    files: { "pb.yml": play("  tasks:\n    - debug: { msg: '{{ item }}' }\n      loop: 3\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:5(:\d+)?: loop: .*list/,
  },
  {
    name: "a missing copy source",
    files: { ...SSH_INV, "pb.yml": play("  tasks:\n    - copy: { src: nosuch.txt, dest: /tmp/x }\n") },
    args: ["run", "pb.yml", "-i", "ssh.yml"],
    code: 2,
    message: /pb\.yml:4(:\d+)?: copy: Could not find or access .nosuch\.txt./,
  },
  {
    name: "a missing script",
    files: { ...SSH_INV, "pb.yml": play("  tasks:\n    - script: nosuch.sh\n") },
    args: ["run", "pb.yml", "-i", "ssh.yml"],
    code: 2,
    message: /pb\.yml:4(:\d+)?: script: .*nosuch\.sh/,
  },
  // --- arguments: a typo is refused at load; one Ansible has and kplay lacks fails its task when it runs
  {
    name: "a misspelt module argument",
    files: { "pb.yml": play("  tasks:\n    - copy: { content: x, dest: /tmp/x, destt: y }\n      when: false\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:4(:\d+)?: copy\.destt: unknown argument "destt" for module copy \(did you mean "dest"\?\)/,
  },
  {
    name: "a private key file that is not there: the host unreachable, said in plain words",
    files: {
      "pb.yml": play(DEBUG.replace("debug: { msg: hi }", "command: 'true'")),
      "ssh.yml":
        "all:\n  hosts:\n    n1: { ansible_host: 127.0.0.1, ansible_port: 1, ansible_ssh_private_key_file: nokey }\n",
    },
    args: ["run", "pb.yml", "-i", "ssh.yml", "--state-dir", "st"],
    code: 1,
    writes: true,
    message: /cannot read private key file .*nokey: no such file/,
  },
  {
    name: "an Ansible argument kplay does not implement, on a task that runs",
    files: { "pb.yml": play("  tasks:\n    - package: { name: x, enablerepo: epel }\n") },
    args: run(),
    code: 1,
    writes: true,
    message:
      /Unsupported parameters for \(package\) module: enablerepo\. Ansible's package takes it; kplay's package does not implement it yet/,
  },
  {
    name: "an Ansible module kplay does not implement, on a task that runs",
    files: {
      "pb.yml": play(
        "  tasks:\n    - mount: { path: /x, state: absent }\n      when: false\n    - ansible.builtin.cron: { name: x, job: /bin/true }\n",
      ),
    },
    args: run(),
    code: 1,
    writes: true,
    message: /kplay does not implement the module ansible\.builtin\.cron \(an Ansible module\)/,
  },
  {
    name: "a misspelt module",
    files: { "pb.yml": play("  tasks:\n    - coppy: { content: x, dest: /tmp/x }\n      when: false\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:4(:\d+)?: coppy: unknown module or task keyword "coppy" \(did you mean "copy"\?\)/,
  },
  {
    name: "a module of ansible.builtin that Ansible does not have (its modules are all known)",
    files: { "pb.yml": play("  tasks:\n    - ansible.builtin.nosuch: {}\n      when: false\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:4(:\d+)?: ansible\.builtin\.nosuch: unknown module/,
  },
  {
    name: "set_fact with nothing to set (Ansible fails it; never a success)",
    files: { "pb.yml": play("  tasks:\n    - set_fact: {}\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:4(:\d+)?: set_fact: No key\/value pairs provided/,
  },
  {
    name: "loop_var that is no name (Ansible fails every item)",
    files: {
      "pb.yml": play("  tasks:\n    - debug: { msg: a }\n      loop: [1]\n      loop_control: { loop_var: 5 }\n"),
    },
    args: run(),
    code: 2,
    message: /pb\.yml:6:\d+: loop_control\.loop_var: .*must be a variable name/,
  },
  {
    name: "a state directory where the system refuses one (Node's recursive mkdir never returns there)",
    files: { "pb.yml": play(DEBUG) },
    process: true,
    args: run("pb.yml", "--state-dir", "/proc/kplay-never"),
    code: 2,
    message: /--state-dir: the state directory \/proc\/kplay-never cannot be made: no such file/,
  },
  {
    name: "a YAML tag Ansible's loader has no constructor for",
    files: { "pb.yml": play("  tasks: [{ debug: { msg: !frob a } }]\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:3:\d+: unknown YAML tag !frob/,
  },
  {
    name: "a !vault value (kplay has no vault secrets; the ciphertext is never the value)",
    files: {
      "pb.yml": play(DEBUG),
      "group_vars/all.yml": "x: 1\nsecret: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n",
    },
    args: run(),
    code: 2,
    message: /group_vars\/all\.yml:2:\d+: a !vault value is encrypted with Ansible Vault, which kplay does not decrypt/,
  },
  {
    name: "a vars file encrypted whole with Ansible Vault",
    files: {
      "pb.yml": play(DEBUG, "- hosts: all\n  gather_facts: false\n  vars_files: [v.yml]\n"),
      "v.yml": "$ANSIBLE_VAULT;1.1;AES256\n6162\n",
    },
    args: run(),
    code: 2,
    message: /v\.yml:1: the file is encrypted with Ansible Vault/,
  },
  {
    name: "an ansible.cfg that configparser cannot read (Ansible stops on it, roles or not)",
    files: { "pb.yml": play(DEBUG), "ansible.cfg": "[defaults\nforks = 5\n" },
    args: run(),
    code: 2,
    message: /ansible\.cfg:1: a section header is never closed/,
  },
  {
    name: "an ansible.cfg that is binary data, read as every input file is",
    files: {
      "pb.yml": play(DEBUG),
      "ansible.cfg": Buffer.from("[defaults]\nx = \u0000\u0001\u0002\u0000\u0007\n", "latin1"),
    },
    args: run(),
    code: 2,
    message: /ansible\.cfg: .*binary/,
  },
  {
    name: "an ansible.cfg with a setting before its first section",
    files: { "pb.yml": play(DEBUG), "ansible.cfg": "# settings\nroles_path = roles\n[defaults]\n" },
    args: run(),
    code: 2,
    message: /ansible\.cfg:2: the file has a setting before its first \[section\]/,
  },
  // --- internal errors instead of input errors
  {
    name: "a group_vars symlink loop",
    files: { "inv/hosts.yml": INV },
    setup: (d) => {
      symlinkSync("loop", join(d, "inv/group_vars"));
      symlinkSync("group_vars", join(d, "inv/loop"));
    },
    args: ["inventory", "-i", "inv", "--list"],
    code: 2,
    message: /(group_vars|loop): a loop of symbolic links/,
  },
  {
    name: "the state directory's run log is a directory",
    files: { "pb.yml": play(DEBUG), "st/run.log/x": "" },
    args: run("pb.yml", "--state-dir", "st"),
    code: 2,
    message: /st\/run\.log: the run log is not a regular file/,
  },
  {
    name: "the state directory's run log is a loop of symbolic links",
    files: { "pb.yml": play(DEBUG), "st/x": "" },
    setup: (d) => {
      symlinkSync("loop", join(d, "st/run.log"));
      symlinkSync("run.log", join(d, "st/loop"));
    },
    args: run("pb.yml", "--state-dir", "st"),
    code: 2,
    message: /st\/run\.log: a loop of symbolic links/,
  },
  {
    name: "etcd restore of a directory",
    files: { "snap/x": "", ...ETCD_INV },
    args: ["etcd", "restore", "snap", "-i", "etcd.yml", "--yes"],
    code: 2,
    message: /snap: is a directory/,
  },
  {
    name: "a journal that is a directory",
    files: { "pb.yml": play(DEBUG) },
    setup: (d) => mkdirSync(join(d, ".kplay/journal.jsonl"), { recursive: true }),
    args: ["status", "-i", "inv.yml"],
    code: 2,
    message: /journal\.jsonl: is a directory/,
  },
  {
    name: "report --html into a missing directory",
    files: { ".kplay/run.log": "" },
    args: ["report", "--html", "no/such/r.html", "-i", "inv.yml"],
    code: 2,
    message: /--html no\/such\/r\.html: the directory no\/such does not exist/,
  },
  {
    name: "a journal record with a valid checksum and the wrong shape",
    files: {
      ".kplay/journal.jsonl":
        journalLine({ t: "task_done", step: 1 }) + journalLine({ t: "forget", host: "h1", time: "x" }),
    },
    args: ["status", "-i", "inv.yml"],
    code: 2,
    message: /journal\.jsonl:1: record 1 has a valid checksum but not the shape of a kplay record/,
  },
  // --- written before refusing
  ...["0", "2.5", "99999", "-1"].map((n) => ({
    name: `--forks ${n}`,
    files: { "pb.yml": play(DEBUG) },
    args: run("pb.yml", "--forks", n),
    code: 2,
    message: /--forks/,
  })),
  {
    name: "--resume --restart",
    files: { "pb.yml": play(DEBUG) },
    args: run("pb.yml", "--resume", "--restart"),
    code: 2,
    message: /--resume and --restart contradict/,
  },
  {
    name: "--reconnect-window abc",
    files: { "pb.yml": play(DEBUG) },
    args: run("pb.yml", "--reconnect-window", "abc"),
    code: 2,
    message: /--reconnect-window takes seconds/,
  },
  {
    name: "a corrupt journal on --resume",
    files: { "pb.yml": play(DEBUG), ".kplay/journal.jsonl": "garbage\n" },
    args: ["deploy-cluster", "-c", "config.yaml", "--resume"],
    code: 2,
    message: /./,
  },
  {
    name: "etcd restore with no etcd group",
    files: { "s.db": "x" },
    args: ["etcd", "restore", "s.db", "-i", "inv.yml", "--yes"],
    code: 2,
    message: /etcd/,
  },
  {
    name: "etcd restore of a file that is no snapshot",
    files: { "s.db": "garbage".repeat(100), ...ETCD_INV },
    args: ["etcd", "restore", "s.db", "-i", "etcd.yml", "--yes"],
    code: 2,
    message: /s\.db: not an etcd snapshot/,
  },
  {
    name: "a refused restore-state",
    files: { "junk.tgz": "not an archive" },
    args: ["restore-state", "junk.tgz", "--state-dir", "st"],
    code: 2,
    message: /junk\.tgz: /,
  },
  {
    name: "the lock held by another kplay",
    files: { "pb.yml": play(DEBUG) },
    setup: holdLock,
    process: true, // the holder must be another live process on this host
    args: run(),
    code: 2,
    message: /another kplay holds the state directory/,
  },
  // --- plain words
  {
    name: "a playbook in UTF-16",
    files: { "pb.yml": Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(play(DEBUG), "utf16le")]) },
    args: run(),
    code: 2,
    message: /pb\.yml: .*UTF-16/,
  },
  {
    name: "a binary playbook",
    files: { "pb.yml": Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]) },
    args: run(),
    code: 2,
    message: /pb\.yml: .*binary/,
  },
  {
    name: "an undefined alias",
    files: { "pb.yml": play("  vars: { a: *nope }\n" + DEBUG) },
    args: run(),
    code: 2,
    message: /pb\.yml:3(:\d+)?: .*alias \*nope .*(undefined|no anchor)/,
  },
  {
    name: "a playbook of two YAML documents",
    files: { "pb.yml": play(DEBUG) + "---\n" + play(DEBUG) },
    args: run(),
    code: 2,
    message: /pb\.yml:4(:\d+)?: .*one YAML document/,
  },
  {
    name: "a play that is a list",
    files: { "pb.yml": "- [a, b]\n" },
    args: run(),
    code: 2,
    message: /pb\.yml:1(:\d+)?: a play is a mapping/,
  },
  // --- found by a second, fresh run of bad inputs (this session): the same classes, other cases
  {
    name: "kubeplay's config as written (ip from ansible_host) on this machine without its bundle",
    files: { "config.yaml": readFileSync(join(import.meta.dirname, "../fixtures/config/kubeplay.yaml"), "utf8") },
    args: ["deploy-cluster", "-c", "config.yaml"],
    code: 2,
    message:
      /config\.yaml:\d+(:\d+)?: compose\.bundle_dir: the bootstrap node is this machine and its bundle directory \S+ does not exist/,
  },
  {
    name: "a password given as a list: refused, its value never shown",
    files: {
      "inv.yml": "all:\n  hosts:\n    h1: { ansible_host: 127.0.0.1, ansible_ssh_pass: [s3cr3t-word] }\n",
      "pb.yml": play(DEBUG),
    },
    args: run(),
    code: 2,
    message: /inv\.yml:3(:\d+)?: h1\.ansible_ssh_pass: invalid value \(not shown\)/,
  },
  {
    name: "a lookup plugin no Ansible has",
    files: { "pb.yml": play("  tasks:\n    - debug: { msg: \"{{ lookup('nosuch', 'x') }}\" }\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:4:\d+: debug\.msg: lookup plugin \(nosuch\) not found/,
  },
  {
    name: "a lookup plugin no Ansible has, in a condition",
    files: { "pb.yml": play("  tasks:\n    - debug: { msg: x }\n      when: query('nosuch') | length > 0\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:5(:\d+)?: when: .*lookup plugin \(nosuch\) not found/,
  },
  {
    name: "an alias bomb",
    files: {
      "pb.yml":
        "- hosts: all\n  vars:\n    a: &a [x, x, x, x, x, x, x, x, x, x]\n" +
        ["b", "c", "d", "e", "f", "g"]
          .map((n, i) => `    ${n}: &${n} [${Array(10).fill(`*${"abcdefg"[i]}`).join(", ")}]\n`)
          .join("") +
        "  tasks: [{ debug: { msg: x } }]\n",
    },
    args: run(),
    code: 2,
    message: /pb\.yml:\d+:\d+: aliases of aliases repeat the data more than 1000 times/,
  },
  {
    name: "status with a state directory that is a file",
    files: { st: "x" },
    args: ["status", "-i", "inv.yml", "--state-dir", "st"],
    code: 2,
    message: /--state-dir: the state directory \S+st is not a directory/,
  },
  {
    name: "etcd backup --out an existing file",
    files: { ...ETCD_INV, "o.db": "x" },
    args: ["etcd", "backup", "--out", "o.db", "-i", "etcd.yml"],
    code: 2,
    message: /--out o\.db: is a file; --out names the directory/,
  },
  {
    name: "etcd restore without its snapshot",
    files: ETCD_INV,
    args: ["etcd", "restore", "-i", "etcd.yml"],
    code: 2,
    message: /etcd restore takes one snapshot file \(got 0\)/,
  },
  {
    name: "a manifest whose image is a number",
    files: { "m.yaml": "kind: Pod\nspec:\n  containers:\n    - name: a\n      image: 5\n" },
    args: ["images", "list", "m.yaml"],
    code: 2,
    message: /m\.yaml:5: spec\.containers\[0\]\.image: an image is a reference such as nginx:1\.25, got a number/,
  },
  {
    name: "a manifest that is binary data",
    files: { "m.yaml": Buffer.from([0x6b, 0x3a, 0x00, 0xff, 0xfe, 0x01]) },
    args: ["manifests", "rewrite", "m.yaml", "--registry", "reg.local/lib"],
    code: 2,
    message: /m\.yaml: the file is binary data, not text/,
  },
  {
    name: "images mirror with a bad --concurrency: the target directory is not made",
    args: ["images", "mirror", "nginx:1", "--to-dir", "out", "--concurrency", "0"],
    code: 2,
    message: /--concurrency takes a positive whole number, got "0"/,
  },
  {
    name: "images mirror with a --ca-file that is no certificate",
    files: { "ca.pem": "not a certificate\n" },
    args: ["images", "mirror", "nginx:1", "--to-dir", "out", "--ca-file", "ca.pem"],
    code: 2,
    message: /ca\.pem: not a PEM certificate/,
  },
  {
    name: "a template that cannot be read in with_items",
    files: { "pb.yml": play("  tasks:\n    - debug: { msg: x }\n      with_items: '{{ a'\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:5(:\d+)?: with_items: /,
  },
  {
    name: "a template that cannot be read in environment",
    files: { "pb.yml": play("  tasks:\n    - command: /bin/true\n      environment: { A: '{% if %}' }\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:5(:\d+)?: environment: /,
  },
  {
    name: "assert's that with a condition that cannot be read",
    files: { "pb.yml": play("  tasks:\n    - assert: { that: ['x ==', 'y'] }\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:4(:\d+)?: that: invalid that expression/,
  },
  {
    name: "debug with msg and var (Ansible's words)",
    files: { "pb.yml": play("  tasks:\n    - debug: { msg: x, var: y }\n") },
    args: run(),
    code: 2,
    message: /pb\.yml:4(:\d+)?: debug: 'msg' and 'var' are incompatible options/,
  },
  {
    name: "a missing unarchive source on the controller",
    files: { ...SSH_INV, "pb.yml": play("  tasks:\n    - unarchive: { src: nosuch.tgz, dest: /tmp }\n") },
    args: ["run", "pb.yml", "-i", "ssh.yml"],
    code: 2,
    message: /pb\.yml:4(:\d+)?: unarchive: Could not find or access .nosuch\.tgz./,
  },
  {
    name: "shell with an empty command fails its task, as Ansible's (never a success)",
    files: { "pb.yml": play("  tasks:\n    - shell: ''\n") },
    args: run(),
    code: 1,
    message: /no command given/,
    writes: true,
  },
  {
    name: "set_fact with cacheable that is no boolean fails its task, as Ansible's",
    files: { "pb.yml": play("  tasks:\n    - set_fact: { cacheable: maybe, a: 1 }\n") },
    args: run(),
    code: 1,
    message: /The value 'maybe' is not a valid boolean/,
    writes: true,
  },
  {
    name: "--limit @file naming no host (it would have run everywhere)",
    files: { "pb.yml": play(DEBUG), "limit.txt": "# nothing here\n\n" },
    args: run("pb.yml", "--limit", "@limit.txt"),
    code: 2,
    message: /--limit @limit\.txt: the file names no host/,
  },
  {
    name: "--state-dir ''",
    files: { "pb.yml": play(DEBUG) },
    args: run("pb.yml", "--state-dir", ""),
    code: 2,
    message: /--state-dir: an empty path names no directory/,
  },
  {
    name: "--reconnect-window beyond what a timer holds",
    files: { "pb.yml": play(DEBUG) },
    args: run("pb.yml", "--reconnect-window", "1e12"),
    code: 2,
    message: /--reconnect-window takes seconds from 0 to 604800/,
  },
  {
    name: "--become-method kplay does not have",
    files: { "pb.yml": play(DEBUG) },
    args: run("pb.yml", "-b", "--become-method", "doas"),
    code: 2,
    message: /--become-method doas: kplay becomes another user with sudo or su/,
  },
  {
    name: "--private-key that is not there",
    files: { "pb.yml": play(DEBUG) },
    args: run("pb.yml", "--private-key", "nosuch-key"),
    code: 2,
    message: /nosuch-key: no such key file/,
  },
  {
    name: "a template file that is binary data",
    files: {
      ...SSH_INV,
      "pb.yml": play("  tasks:\n    - template: { src: t.j2, dest: /tmp/x }\n"),
      "templates/t.j2": Buffer.from([0x68, 0, 0xff]),
    },
    args: ["run", "pb.yml", "-i", "ssh.yml"],
    code: 2,
    message: /templates\/t\.j2: the file is binary data, not text/,
  },
  {
    name: "a template file using a filter no Ansible has",
    files: {
      ...SSH_INV,
      "pb.yml": play("  tasks:\n    - template: { src: t.j2, dest: /tmp/x }\n"),
      "templates/t.j2": "{{ x | nosuchfilter }}\n",
    },
    args: ["run", "pb.yml", "-i", "ssh.yml"],
    code: 2,
    message: /templates\/t\.j2: no filter named 'nosuchfilter'/,
  },
  {
    name: "a template including itself: its task fails, kplay neither hangs nor runs out of memory",
    process: true,
    files: {
      "pb.yml": play("  tasks:\n    - template: { src: t.j2, dest: /tmp/kplay-never-written }\n"),
      "templates/t.j2": "{% include 't.j2' %}\n",
    },
    args: run(),
    code: 1,
    message: /templates include one another more than 50 levels deep \(a loop\?\)/,
    writes: true,
  },
  {
    name: "sandbox container without a node name (no Docker needed to say so)",
    args: ["sandbox", "container"],
    code: 2,
    message: /sandbox container takes one node name/,
  },
];

function clusterCases(): Case[] {
  const base = readFileSync(join(import.meta.dirname, "../fixtures/config/kubeplay.yaml"), "utf8");
  const cfg = (kubespray: string, edit: (c: string) => string = (c) => c) => ({
    "config.yaml": edit(base.replace("kubespray:\n", `kubespray:\n${kubespray}`)),
  });
  const dc = ["deploy-cluster", "-c", "config.yaml"];
  const at = (field: string) => new RegExp(`config\\.yaml:\\d+(:\\d+)?: ${field.replace(/\./g, "\\.")}: `);
  return [
    {
      name: "pod subnet /33",
      files: cfg("  kube_pods_subnet: 10.233.64.0/33\n"),
      args: dc,
      code: 2,
      message: at("kubespray.kube_pods_subnet"),
    },
    {
      name: "service subnet not a CIDR",
      files: cfg("  kube_service_addresses: not-a-cidr\n"),
      args: dc,
      code: 2,
      message: at("kubespray.kube_service_addresses"),
    },
    {
      name: "a subnet given as a list",
      files: cfg("  kube_pods_subnet: [10.233.64.0/18]\n"),
      args: dc,
      code: 2,
      message: at("kubespray.kube_pods_subnet"),
    },
    {
      name: "pod and service subnets overlapping",
      files: cfg("  kube_pods_subnet: 10.233.0.0/16\n  kube_service_addresses: 10.233.64.0/24\n"),
      args: dc,
      code: 2,
      message: /kube_service_addresses: .*overlap/,
    },
    {
      name: "a node inside the pod network",
      files: cfg("  kube_pods_subnet: 172.20.0.0/16\n"),
      args: dc,
      code: 2,
      message: /inventory: node1: its address 172\.20\.0\.21 lies inside the cluster network/,
    },
    {
      name: "two nodes with one address",
      files: cfg("", (c) => c.replace("172.20.0.22", "172.20.0.21")),
      args: dc,
      code: 2,
      message: /inventory: node2: has the address 172\.20\.0\.21, as node1 does/,
    },
    {
      name: "nginx and the registry on one port",
      files: cfg("", (c) => c.replace("nginx_http_port: 8080", "nginx_http_port: 5000")),
      args: dc,
      code: 2,
      message: /default\.registry_push_port: port 5000 is already compose\.nginx_http_port/,
    },
    {
      name: "remove-node in a cluster whose kube_control_plane group is empty",
      files: cfg("", (c) =>
        c.replace(
          "      kube_control_plane:\n        hosts:\n          node1:\n",
          "      kube_control_plane:\n        hosts: {}\n",
        ),
      ),
      args: ["remove-node", "node2", "--yes", "-c", "config.yaml"],
      code: 2,
      message: /config\.yaml: kube_control_plane: the inventory has no control plane/,
    },
    {
      name: "a kube_version the bundle beside the config does not carry",
      files: {
        ...cfg("", (c) => withIps(c).replace("kube_version: v1.21.3", "kube_version: v1.99.0")),
        "bundle/files/dl.k8s.io/release/v1.28.4/bin/linux/amd64/kubeadm": "",
      },
      args: dc,
      code: 2,
      message:
        /kubespray\.kube_version: the bundle in .*bundle does not carry Kubernetes v1\.99\.0 \(it carries v1\.28\.4\)/,
    },
  ];
}

/** The fixture config with each node's ip (etcd members need one). */
function withIps(cfg: string): string {
  return cfg.replace(/ansible_host: (172\.20\.0\.2\d)/g, "ansible_host: $1\n        ip: $1");
}

/** A journal line as kplay writes it: the record's JSON, a tab, its checksum. */
function journalLine(rec: unknown): string {
  const json = JSON.stringify(rec);
  return `${json}\t${createHash("sha256").update(json).digest("hex").slice(0, 12)}\n`;
}

function mkfifo(path: string): void {
  const r = spawnSync("mkfifo", [path]);
  if (r.status !== 0) throw new Error("mkfifo failed");
}

function holdLock(dir: string): void {
  mkdirSync(join(dir, ".kplay"), { recursive: true, mode: 0o700 });
  writeFileSync(
    join(dir, ".kplay/lock"),
    JSON.stringify({ pid: process.pid, host: hostname(), command: "kplay test", started: new Date().toISOString() }),
  );
  chmodSync(join(dir, ".kplay/lock"), 0o600);
}

/** One case: its files written, kplay run on them, the outcome and the directory checked. */
async function check(c: Case): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "kplay-badc-"));
  write(dir, { "inv.yml": INV, ...(c.files ?? {}) });
  c.setup?.(dir);
  const before = snapshot(dir);
  const r = c.process || c.stdin !== undefined ? await kplay(dir, c.args, c.stdin) : await kplayHere(dir, c.args);
  if (c.writes) {
    // a run-time failure: the host fails with the message, the run goes on and is recorded
    expect(r.stdout + r.stderr).toMatch(c.message);
    expect(r.code, r.stderr).toBe(c.code);
    return;
  }
  expect(r.stderr).toMatch(c.message);
  expect(r.code, r.stderr).toBe(c.code);
  expect(r.stderr).not.toMatch(LIBRARY_WORDS);
  expect(
    r.stderr
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("kplay: error")).length,
    r.stderr,
  ).toBe(1);
  expect(snapshot(dir)).toEqual(before);
}

const asProcess = (c: Case): boolean => c.process === true || c.stdin !== undefined;

describe("bad input by class: exit code, one plain line naming the place, nothing written", () => {
  // in this process, one at a time (each case has its own working directory)
  it.each(cases.filter((c) => !asProcess(c)).map((c) => [c.name, c] as const))("%s", (_n, c) => check(c));
});

describe.concurrent("bad input that could hang or exhaust kplay, each in a process of its own", () => {
  it.each(cases.filter(asProcess).map((c) => [c.name, c] as const))("%s", (_n, c) => check(c));
});

describe("valid input kplay once refused", () => {
  it("a key written twice in a mapping: Ansible's warning, the last value used", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kplay-badc-"));
    const task = "  tasks:\n    - debug: { msg: first }\n      when: false\n      when: true\n";
    write(dir, { "inv.yml": INV, "pb.yml": play(task) });
    const r = await kplay(dir, ["run", "pb.yml", "-i", "inv.yml", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /\[WARNING\]: While constructing a mapping from \S*\/pb\.yml, line 4, column 7, found a duplicate dict key \(when\)\. Using last defined value only\./,
    );
    expect(r.stdout).toMatch(/"status":"ok"/); // when: true, the second, counted
  });

  it("a host list for -i ('h1,h2:2222,'), as Ansible's host_list source: ungrouped hosts, ports kept", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kplay-badc-"));
    const r = await kplay(dir, ["inventory", "-i", "h1,h2:2222,[::1]:2200,", "--list"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { ungrouped: { hosts: string[] }; _meta: { hostvars: object } };
    expect(list.ungrouped.hosts).toEqual(["h1", "h2", "::1"]);
    expect(list._meta.hostvars).toEqual({ h2: { ansible_port: 2222 }, "::1": { ansible_port: 2200 } });
    write(dir, {
      "pb.yml": play("  tasks: [{ copy: { content: hi, dest: '{{ out }}/{{ inventory_hostname }}' } }]\n"),
    });
    const ran = await kplay(dir, ["run", "pb.yml", "-i", "h1,", "-e", "ansible_connection=local", "-e", `out=${dir}`]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(readFileSync(join(dir, "h1"), "utf8")).toBe("hi");
    expect(readdirSync(dir)).not.toContain("h1,"); // its state is not kept in a folder named after the list
  });

  it("a script named in quotes with a space in its path is found (Ansible's script target)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kplay-badc-"));
    const task = `  tasks: [{ script: "'space path/test.sh' arg" }]\n`;
    write(dir, { ...SSH_INV, "pb.yml": play(task), "files/space path/test.sh": "#!/bin/sh\necho hi\n" });
    const r = await kplay(dir, ["run", "pb.yml", "-i", "ssh.yml", "--syntax-check"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("a role's argument spec with a type Ansible does not know, for an option not given: runs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kplay-badc-"));
    const spec = "argument_specs:\n  main:\n    options:\n      x: { type: nosuchtype }\n";
    write(dir, {
      "inv.yml": INV,
      "pb.yml": play("  roles: [r]\n"),
      "roles/r/tasks/main.yml": "- debug: { msg: hi }\n",
      "roles/r/meta/argument_specs.yml": spec,
    });
    const r = await kplayHere(dir, ["run", "pb.yml", "-i", "inv.yml"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it.each([
    ["a playbook with a byte-order mark", bom + play(DEBUG)],
    ["a playbook with a byte-order mark and CRLF line ends", bom + play(DEBUG).replace(/\n/g, "\r\n")],
  ])("%s runs", async (_n, text) => {
    const dir = mkdtempSync(join(tmpdir(), "kplay-badc-"));
    write(dir, { "inv.yml": bom + INV, "pb.yml": text, "vars.yml": bom + "x: 1\n" });
    const r = await kplay(dir, ["run", "pb.yml", "-i", "inv.yml", "-e", "@vars.yml"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});
