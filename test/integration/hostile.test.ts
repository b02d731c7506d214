// Hostile-value matrix on a real node: every module that reaches a node's shell, every string
// argument, values carrying quotes, $( ), backticks, ;, newline, a leading -, *, spaces and
// non-ASCII, each planting `touch PWN_<n>`; run in normal and in check mode. Then the node
// is asked (through docker exec, not kplay) whether any planted command ran, whether paths were
// made under their literal names, and whether check mode left its tree untouched.
// Arguments that are shell code on purpose (shell's command, raw's _raw) are left out.
import { UndoLog } from "../../src/modules/undo.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import PQueue from "p-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findModule, type ModuleContext } from "../../src/modules/index.js";
import { ConnectionPool, connectionSpec, type Connection } from "../../src/transport/index.js";
import { startCluster, type TestCluster } from "../harness/cluster.js";

let c: TestCluster;
let conn: Connection;
let pool: ConnectionPool;
const local = mkdtempSync(join(tmpdir(), "kplay-hostile-"));

beforeAll(async () => {
  c = await startCluster({ nodes: 1 });
  const kh = join(c.dir, "known_hosts");
  writeFileSync(kh, c.knownHosts);
  pool = new ConnectionPool({ knownHostsFile: kh, acceptNewHostKeys: false });
  const n = c.node("node1");
  conn = await pool.get(
    connectionSpec("node1", {
      ansible_host: "127.0.0.1",
      ansible_port: n.sshPort,
      ansible_user: "root",
      ansible_ssh_private_key_file: c.key,
    }),
  );
  await c.sh(
    "node1",
    "mkdir -p /srv/hv /srv/hvc && echo 'a=1' > /srv/hv/edit.conf && cp /srv/hv/edit.conf /srv/hvc/edit.conf && tar czf /srv/hv/a.tgz -C /srv/hv edit.conf",
  );
});
afterAll(async () => {
  await pool?.closeAll();
  await c?.destroy();
});

/** The hostile values; `n` makes each planted file name unique so a hit names its case. */
const VALUES = [
  (n: number) => `q'uote$(touch PWN_${n})`,
  (n: number) => `d"ouble\`touch PWN_${n}\``,
  (n: number) => `semi;touch PWN_${n};x`,
  (n: number) => `new\ntouch PWN_${n}\n`,
  (n: number) => `-dash --reference=/etc/passwd $(touch PWN_${n})`,
  (n: number) => `star * and space|touch PWN_${n}`,
  (n: number) => `\u00e9\u00ff\ufffd&&touch PWN_${n}`,
  (n: number) => `$(touch\${IFS}PWN_${n})`,
];

type Kind = "value" | "path";
interface Case {
  module: string;
  args: Record<string, unknown>;
  /** String arguments to make hostile, with how to place the value. */
  vary: Record<string, Kind>;
  /** Path arguments this case creates in normal mode (checked on the node). */
  creates?: string;
}

const CASES: Case[] = [
  {
    module: "command",
    args: { cmd: "true" },
    vary: { cmd: "value", chdir: "path", creates: "path", removes: "path", stdin: "value" },
  },
  {
    module: "shell",
    args: { cmd: "true" },
    vary: { chdir: "path", creates: "path", removes: "path", executable: "value", stdin: "value" },
  },
  { module: "raw", args: { _raw: "true" }, vary: { executable: "value" } },
  {
    module: "script",
    args: { cmd: "s.sh" },
    vary: { creates: "path", removes: "path", chdir: "path", executable: "value" },
  },
  {
    module: "copy",
    args: { dest: "/srv/hv/c", content: "x" },
    vary: { dest: "path", content: "value", owner: "value", group: "value", mode: "value" },
    creates: "dest",
  },
  {
    module: "template",
    args: { src: "t.j2", dest: "/srv/hv/t" },
    vary: { dest: "path", owner: "value", group: "value" },
    creates: "dest",
  },
  {
    module: "file",
    args: { path: "/srv/hv/d", state: "directory" },
    vary: { path: "path", owner: "value", group: "value", mode: "value" },
    creates: "path",
  },
  {
    module: "file",
    args: { path: "/srv/hv/t", state: "touch" },
    vary: { path: "path", owner: "value", group: "value" },
    creates: "path",
  },
  {
    module: "file",
    args: { path: "/srv/hv/l", state: "link", src: "/srv/hv/edit.conf" },
    vary: { path: "path", src: "value" },
    creates: "path",
  },
  { module: "file", args: { path: "/srv/hv/gone", state: "absent" }, vary: { path: "path" } },
  {
    module: "lineinfile",
    args: { path: "/srv/hv/edit.conf", line: "b=2", create: true },
    vary: { path: "path", line: "value", insertafter: "value", owner: "value" },
    creates: "path",
  },
  {
    module: "blockinfile",
    args: { path: "/srv/hv/edit.conf", block: "b=2", create: true },
    vary: { path: "path", block: "value", marker: "value", group: "value" },
    creates: "path",
  },
  {
    module: "replace",
    args: { path: "/srv/hv/edit.conf", regexp: "a", replace: "b" },
    vary: { path: "path", replace: "value", owner: "value" },
  },
  { module: "stat", args: { path: "/srv/hv/edit.conf" }, vary: { path: "path" } },
  { module: "slurp", args: { src: "/srv/hv/edit.conf" }, vary: { src: "path" } },
  { module: "fetch", args: { src: "/srv/hv/edit.conf", dest: local }, vary: { src: "path" } },
  {
    module: "ini_file",
    args: { path: "/srv/hv/edit.ini", section: "s", option: "o", value: "v" },
    vary: { path: "path", section: "value", option: "value", value: "value", owner: "value" },
  },
  {
    module: "ini_file",
    args: { path: "/srv/hv/edit.ini", section: "s", option: "o", values: ["v"] },
    vary: { "values.0": "value" },
  },
  {
    module: "uri",
    args: { url: "http://127.0.0.1:9/u", timeout: 1, status_code: [-1] },
    vary: {
      url: "value",
      method: "value",
      body: "value",
      url_username: "value",
      url_password: "value",
      client_cert: "path",
      creates: "path",
    },
  },
  {
    module: "get_url",
    args: { url: "http://127.0.0.1:9/f", dest: "/srv/hv/g", timeout: 1 },
    vary: { url: "value", dest: "path", url_username: "value", url_password: "value", owner: "value" },
  },
  {
    module: "unarchive",
    args: { src: "/srv/hv/a.tgz", dest: "/srv/hv", remote_src: true },
    vary: { src: "path", dest: "path", creates: "path", owner: "value", group: "value" },
  },
  {
    module: "unarchive",
    args: { src: "/srv/hv/a.tgz", dest: "/srv/hv", remote_src: true, extra_opts: ["x"] },
    vary: { "extra_opts.0": "value" },
  },
  {
    module: "unarchive",
    args: { src: "/srv/hv/a.tgz", dest: "/srv/hv", remote_src: true, include: ["edit.conf"], mode: "u=rw" },
    vary: { "include.0": "value", mode: "value" },
  },
  {
    module: "unarchive",
    args: { src: "/srv/hv/a.tgz", dest: "/srv/hv", remote_src: true, exclude: ["x"], list_files: true },
    vary: { "exclude.0": "value" },
  },
  // update_cache false: this node never read its package lists, and reading them (a constant
  // script, no value in it) waits 7 s per run on the DNS it cannot reach
  { module: "apt", args: { name: "kplay-none", update_cache: false }, vary: { "name.0": "value" } },
  { module: "package", args: { name: "kplay-none", state: "absent" }, vary: { name: "value" } },
  {
    module: "apt_repository",
    args: { repo: "deb http://127.0.0.1:9/debian bookworm main", update_cache: false },
    vary: { repo: "value" },
  },
  {
    module: "yum_repository",
    args: { name: "kplay", baseurl: "http://127.0.0.1:9/el" },
    vary: { description: "value", baseurl: "value", gpgkey: "value" },
  },
  { module: "service", args: { name: "kplay-none", state: "started" }, vary: { name: "value" } },
  { module: "systemd", args: { name: "kplay-none", state: "restarted", enabled: true }, vary: { name: "value" } },
  {
    module: "sysctl",
    args: { name: "kernel.kplay_none", value: "1", reload: false, sysctl_file: "/srv/hv/s.conf" },
    vary: { value: "value", sysctl_file: "path" },
  },
  { module: "modprobe", args: { name: "kplay_none", persistent: "present", params: "a=1" }, vary: { params: "value" } },
  {
    module: "user",
    args: { name: "kplayhv", groups: ["root"], append: true },
    vary: { "groups.0": "value", group: "value", shell: "value", home: "path", comment: "value", password: "value" },
  },
  { module: "user", args: { name: "kplayhv", state: "absent" }, vary: {} },
  {
    module: "user",
    args: { name: "kplayhv2", home: "/srv/hv/home2", expires: 2529881062, password_lock: true, umask: "077" },
    vary: { skeleton: "path", home: "path", password: "value", comment: "value", shell: "value" },
  },
  {
    module: "find",
    args: { paths: ["/srv/hv"], contains: "a", get_checksum: true, recurse: true },
    vary: { "paths.0": "path", contains: "value", patterns: "value", excludes: "value" },
  },
  {
    module: "getent",
    args: { database: "passwd", key: "root" },
    vary: { database: "value", key: "value", service: "value" },
  },
  // a timeout of 1 s: the condition is tested at least once (with 0 it never is, as in Ansible)
  { module: "wait_for", args: { host: "127.0.0.1", port: 9, timeout: 1 }, vary: { host: "value" } },
  {
    module: "wait_for",
    args: { path: "/srv/hv/edit.conf", search_regex: "a", timeout: 1 },
    vary: { path: "path", search_regex: "value" },
  },
  { module: "wait_for", args: { port: 22, search_regex: "SSH", timeout: 1 }, vary: { search_regex: "value" } },
  {
    module: "wait_for",
    args: { port: 9, state: "drained", timeout: 1, exclude_hosts: ["10.0.0.1"] },
    vary: { host: "value", "exclude_hosts.0": "value" },
  },
  // no pip on the node: the script still changes directory, makes the virtualenv and looks for pip
  {
    module: "pip",
    args: { name: "x", chdir: "/srv/hv", virtualenv: "/srv/hv/venv", extra_args: "--no-index" },
    vary: { name: "value", chdir: "path", virtualenv: "path", extra_args: "value", virtualenv_command: "value" },
  },
  {
    module: "pip",
    args: { requirements: "/srv/hv/req.txt", executable: "pip3", state: "absent" },
    vary: { requirements: "path", executable: "value" },
  },
];

function place(args: Record<string, unknown>, key: string, value: string): Record<string, unknown> {
  const [k, i] = key.split(".");
  if (i === undefined) return { ...args, [k]: value };
  const list = Array.isArray(args[k]) ? [...(args[k] as unknown[])] : [args[k]];
  list[Number(i)] = value;
  return { ...args, [k]: list };
}

async function runModule(module: string, args: Record<string, unknown>, check: boolean): Promise<void> {
  const mod = findModule(module)!;
  const parsed = mod.schema.safeParse(args);
  if (!parsed.success) return; // refused before anything ran: fine
  const ctx: ModuleContext = {
    host: "node1",
    check,
    diff: false,
    undo: new UndoLog(!check),
    vars: { ansible_pkg_mgr: "apt" },
    exec: (script, o) => conn.exec(script, { stdin: o?.stdin, timeoutMs: 60_000 }),
    readLocal: (p) => Buffer.from(p.endsWith(".sh") ? "#!/bin/sh\necho script\n" : "tpl\n"),
    localPath: (p) => {
      const f = join(local, p);
      writeFileSync(f, "tpl {{ x }}\n");
      return f;
    },
    renderFile: (t) => t,
  };
  try {
    await mod.run(ctx, parsed.data);
  } catch {
    /* a module may refuse a value (an invalid regexp, an unknown user): fine */
  }
}

/** One module run of the matrix: which case, which argument, which value, which mode. */
interface MatrixRun {
  id: number;
  module: string;
  args: Record<string, unknown>;
  check: boolean;
  /** Runs of one lane go in order; lanes run side by side. */
  lane: string;
  /** A path the run creates in normal mode: its parent is made first, and the node must hold it after. */
  creates?: string;
}

function matrix(): MatrixRun[] {
  const runs: MatrixRun[] = [];
  for (const [i, cs] of CASES.entries()) {
    for (const [key, kind] of Object.entries(cs.vary)) {
      for (const make of VALUES) {
        for (const check of [false, true]) {
          const id = runs.length;
          const base = check ? "/srv/hvc" : "/srv/hv";
          const value = kind === "path" ? `${base}/${make(id)}` : make(id);
          const args = JSON.parse(JSON.stringify(cs.args).replaceAll("/srv/hv/", `${base}/`));
          const creates = !check && kind === "path" && cs.creates === key ? value : undefined;
          const lane = laneOf(cs.module) ?? `${i}.${key}`;
          runs.push({ id, module: cs.module, args: place(args, key, value), check, lane, creates });
        }
      }
    }
  }
  return runs;
}

/**
 * Runs that must not share the node at once: the package managers (dpkg's lock) and the user
 * cases (one account). Every other case and argument is a lane of its own.
 */
function laneOf(module: string): string | undefined {
  if (/^(apt|package)$/.test(module)) return "packages";
  return module === "user" ? "user" : undefined;
}

async function runLane(runs: MatrixRun[]): Promise<void> {
  for (const r of runs) {
    if (r.creates) {
      // the value's own "/" makes a parent that copy/template/touch (like Ansible's) do not create
      const parent = Buffer.from(r.creates.slice(0, r.creates.lastIndexOf("/"))).toString("base64");
      await c.sh("node1", `mkdir -p "$(echo ${parent} | base64 -d)"`);
    }
    await runModule(r.module, r.args, r.check);
  }
}

describe("hostile values never run as code", () => {
  it("every module, every string argument, normal and check mode", async () => {
    const runs = matrix();
    const planted = new Map(runs.map((r) => [r.id, `${r.module} ${JSON.stringify(r.args)} check=${r.check}`]));
    const expected = runs.flatMap((r) => (r.creates ? [r.creates] : []));
    // lanes run side by side (six at a time: sshd's default MaxSessions is 10); within a lane in order
    const lanes = new Map<string, MatrixRun[]>();
    for (const r of runs) lanes.set(r.lane, [...(lanes.get(r.lane) ?? []), r]);
    const queue = new PQueue({ concurrency: 6 });
    await Promise.all([...lanes.values()].map((lane) => queue.add(() => runLane(lane))));
    // no planted command ran, anywhere
    // (a planted `touch PWN_n` would land in whatever directory its shell was in: search everywhere
    // but the two trees where such names are legitimately literal file names)
    const pwn = (
      await c.sh("node1", "find / -xdev -name 'PWN_*' -not -path '/srv/hv*' 2>/dev/null || true")
    ).out.trim();
    const hits = pwn ? pwn.split("\n").map((f) => planted.get(Number(f.replace(/.*PWN_/, "")))) : [];
    expect(hits).toEqual([]);
    // paths made under their literal names
    const listing = (await c.sh("node1", "find /srv/hv -mindepth 1 -print0 | base64 -w0")).out;
    const found = new Set(Buffer.from(listing, "base64").toString("utf8").split("\0"));
    expect(expected.filter((p) => !found.has(p))).toEqual([]);
    // check mode changed nothing under its own tree
    expect((await c.sh("node1", "find /srv/hvc -mindepth 1 | sort")).out.trim()).toBe("/srv/hvc/edit.conf");
    expect(runs.length).toBeGreaterThan(500);
  }, 900_000);
});
