// kplay's benchmark: the same workload file run by ansible-playbook (defaults; pipelining;
// Mitogen), by kplay, and by a raw ssh2 lower bound, interleaved A B A B on the same nodes
// (reset between runs); a per-task overhead case; a scale case (kplay, with raw as the reference
// when --engines has it). Prints a Markdown
// table (median, min, max) with ratios computed pair by pair, and writes it to bench/results/.
// Usage: npm run bench -- [--nodes 30] [--runs 3] [--cases workload,trivial,resume,modules,scale,bigoutput,hosts] [--scale 50,100,200]
//        [--local-hosts 1000,2000,5000,10000] [--ssh-hosts 1000,2000] [--hosts-per-node 250]
//        [--engines kplay,raw,...] [--profile DIR] (a .cpuprofile per kplay run; bench/profile.ts sums one up)
//                         [--engines kplay,raw,ansible,ansible-pipelining,ansible-mitogen]
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import ssh2 from "ssh2";
import { stringify } from "yaml";
import { ensureNodeImage } from "../src/sandbox/image.js";
import { localInventory, sshInventory, timedKplay, type HostsSample } from "./hosts.js";
import { moduleCases, modulePlayFile, rawModuleCommands, TASKS, writeModulePlay } from "./modules.js";
import {
  createNetwork,
  removeContainers,
  removeNetworks,
  startNode,
  type NodeHandle,
  type NodeNetwork,
} from "../src/sandbox/nodes.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const HERE = join(ROOT, "bench");
const { values: args } = parseArgs({
  options: {
    nodes: { type: "string", default: "30" },
    runs: { type: "string", default: "3" },
    cases: { type: "string", default: "workload,trivial,resume,scale" },
    scale: { type: "string", default: "50,100,200" },
    engines: { type: "string", default: "kplay,raw,ansible,ansible-pipelining,ansible-mitogen" },
    // write a V8 CPU profile of every kplay run into this directory (node --cpu-prof)
    profile: { type: "string" },
    // "hosts" case: local hosts (engine cost) and SSH hosts (each its own connection, many per node)
    "local-hosts": { type: "string", default: "1000,2000,5000,10000" },
    "ssh-hosts": { type: "string", default: "1000,2000" },
    "hosts-per-node": { type: "string", default: "250" },
  },
});
const N = Number(args.nodes);
const RUNS = Number(args.runs);
const CASES = args.cases!.split(",");
const ENGINES = args.engines!.split(",");

for (const [bin, pkg] of [
  ["ansible-playbook", "ansible-core"],
  ["/usr/bin/time", "time"],
  ["openssl", "openssl"],
]) {
  try {
    execFileSync("sh", ["-c", `command -v ${bin}`], { stdio: "ignore" });
  } catch {
    console.error(`bench: ${bin} is missing; install it: apt-get install ${pkg} python3-mitogen ansible-mitogen time`);
    process.exit(2);
  }
}

interface Sample {
  wall: number;
  user: number;
  sys: number;
  rssKb: number;
  nodeCpu: number;
  /** processes the nodes started during the run, per node (their PID counters, read before and after) */
  procs: number;
}

const dir = mkdtempSync(join(tmpdir(), "kplay-bench-"));
const kp = ssh2.utils.generateKeyPairSync("ed25519");
const keyFile = join(dir, "id_ed25519");
writeFileSync(keyFile, kp.private, { mode: 0o600 });
const caFile = join(dir, "ca.pem");
execFileSync(
  "openssl",
  [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=kplay-bench",
    "-days",
    "3650",
    "-keyout",
    join(dir, "ca.key"),
    "-out",
    caFile,
  ],
  { stdio: "ignore" },
);
const caPem = readFileSync(caFile, "utf8");
writeFileSync(join(dir, "extra.yml"), stringify({ ca_pem: caPem }));
const vars = {
  registry_domain: "kube.registry.local",
  registry_ip: "10.96.0.5",
  repo_url: "http://10.96.0.5:8080/debian",
  sandbox_image: "kube.registry.local/library/pause:3.9",
  ca_pem: caPem,
};

const RESET = [
  "sed -i '/# BEGIN KPLAY BENCH REGISTRY/,/# END KPLAY BENCH REGISTRY/d' /etc/hosts 2>/dev/null || { grep -v 'KPLAY BENCH\\|kube.registry.local' /etc/hosts > /tmp/h; cat /tmp/h > /etc/hosts; }",
  "rm -rf /etc/apt/sources.list.d/offline.list /usr/local/share/ca-certificates/kplay-bench.crt /etc/containerd /etc/sysctl.d/99-kubernetes.conf /etc/modules-load.d/kubernetes.conf /var/tmp/kplay-root",
  "sed -i '/^KPLAY_BENCH=1$/d' /etc/environment",
  "update-ca-certificates --fresh >/dev/null 2>&1; true",
].join("; ");

let nodes: NodeHandle[] = [];
let network: NodeNetwork | undefined;

async function startNodes(count: number, image: string): Promise<void> {
  await stopNodes();
  const labels = { "kplay.bench": String(process.pid) };
  network = await createNetwork(`kplay-bench-${process.pid}-${count}`, labels);
  for (let i = 0; i < count; i += 16) {
    const batch = Array.from({ length: Math.min(16, count - i) }, (_, k) => `node${i + k + 1}`);
    nodes.push(
      ...(await Promise.all(
        batch.map((name) =>
          startNode({
            image,
            name,
            containerName: `kplay-bench-${process.pid}-${name}`,
            network: network!,
            labels,
            authorizedKey: kp.public,
            init: "sshd",
          }),
        ),
      )),
    );
  }
  const kh = nodes.map((n) => `[127.0.0.1]:${n.sshPort} ${n.hostKey}`).join("\n") + "\n";
  writeFileSync(join(dir, "known_hosts"), kh);
  writeFileSync(
    join(dir, "inventory.ini"),
    "[all]\n" +
      nodes.map((n) => `${n.name} ansible_host=127.0.0.1 ansible_port=${n.sshPort}`).join("\n") +
      `\n\n[all:vars]\nansible_user=root\nansible_ssh_private_key_file=${keyFile}\nansible_python_interpreter=/usr/bin/python3\n`,
  );
  writeFileSync(
    join(dir, "raw.json"),
    JSON.stringify({
      hosts: nodes.map((n) => ({ host: "127.0.0.1", port: n.sshPort })),
      key: keyFile,
      mode: "workload",
      vars,
      templates: templates(),
    }),
  );
  writeFileSync(
    join(dir, "raw-trivial.json"),
    JSON.stringify({
      hosts: nodes.map((n) => ({ host: "127.0.0.1", port: n.sshPort })),
      key: keyFile,
      mode: "trivial",
      vars,
      templates: {},
    }),
  );
}

async function stopNodes(): Promise<void> {
  await removeContainers(nodes.map((n) => n.containerId));
  if (network) await removeNetworks([network.id]);
  nodes = [];
  network = undefined;
}

function templates(): Record<string, string> {
  const t = join(HERE, "workload/templates");
  return Object.fromEntries(["config.toml.tmpl", "hosts.toml.tmpl"].map((f) => [f, readFileSync(join(t, f), "utf8")]));
}

async function reset(): Promise<void> {
  await Promise.all(nodes.map((n) => n.container.exec(["sh", "-c", RESET])));
}

function nodeCpuNs(): number {
  let sum = 0;
  for (const n of nodes) {
    for (const p of [
      `/sys/fs/cgroup/cpuacct/docker/${n.containerId}/cpuacct.usage`,
      `/sys/fs/cgroup/system.slice/docker-${n.containerId}.scope/cpu.stat`,
    ]) {
      if (!existsSync(p)) continue;
      const text = readFileSync(p, "utf8");
      sum += p.endsWith("cpu.stat") ? Number(/usage_usec (\d+)/.exec(text)?.[1] ?? 0) * 1000 : Number(text);
      break;
    }
  }
  return sum;
}

/** Sum over the nodes of the last PID handed out in each node's PID namespace. */
async function pidCounters(): Promise<number> {
  const xs = await Promise.all(
    nodes.map(async (n) => Number((await n.container.exec(["cat", "/proc/sys/kernel/ns_last_pid"])).stdout.trim())),
  );
  return xs.reduce((a, b) => a + b, 0);
}

async function timed(cmd: string[], env: Record<string, string> = {}): Promise<Sample> {
  const pids = nodes.length ? await pidCounters() : 0;
  const s = await new Promise<Omit<Sample, "procs">>((res, rej) => {
    const before = nodeCpuNs();
    const p = spawn("/usr/bin/time", ["-f", "KPLAY-TIME %e %U %S %M", ...cmd], {
      cwd: HERE,
      env: { ...process.env, ...env },
    });
    let err = "";
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("close", (code) => {
      const m = /KPLAY-TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(err);
      if (code !== 0 || !m) return rej(new Error(`${cmd.join(" ")} failed (${code}):\n${(out + err).slice(-3000)}`));
      res({
        wall: Number(m[1]),
        user: Number(m[2]),
        sys: Number(m[3]),
        rssKb: Number(m[4]),
        nodeCpu: (nodeCpuNs() - before) / 1e9,
      });
    });
  });
  // the reading's own `cat` takes one PID per node
  const procs = nodes.length ? ((await pidCounters()) - pids) / nodes.length - 1 : 0;
  return { ...s, procs };
}

const forks = () => String(nodes.length);
const ansibleEnv = (mode: string): Record<string, string> => {
  const env: Record<string, string> = {
    ANSIBLE_HOST_KEY_CHECKING: "True",
    ANSIBLE_SSH_ARGS: `-C -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=${join(dir, "known_hosts")}`,
    ANSIBLE_CONTROL_PATH_DIR: join(dir, "cp"),
    ANSIBLE_LOCAL_TEMP: join(dir, "ansible-tmp"),
    ANSIBLE_RETRY_FILES_ENABLED: "False",
    ANSIBLE_NOCOLOR: "1",
  };
  if (mode === "ansible-pipelining") env.ANSIBLE_PIPELINING = "True";
  if (mode === "ansible-mitogen") env.ANSIBLE_STRATEGY = "mitogen_linear";
  return env;
};

function engineCmd(engine: string, playbook: string, rawSpec: string): { cmd: string[]; env?: Record<string, string> } {
  if (engine === "raw") return { cmd: [process.execPath, join(HERE, "dist/bench/raw.js"), join(dir, rawSpec)] };
  if (engine === "kplay") {
    const sd = join(dir, "kplay-state");
    mkdirSync(sd, { recursive: true });
    writeFileSync(join(sd, "known_hosts"), readFileSync(join(dir, "known_hosts")));
    const prof = args.profile ? ["--cpu-prof", "--cpu-prof-dir", resolve(args.profile)] : [];
    return {
      cmd: [
        process.execPath,
        ...prof,
        join(ROOT, "bin/kplay.js"),
        "run",
        playbook,
        "-i",
        join(dir, "inventory.ini"),
        "--forks",
        forks(),
        "--state-dir",
        sd,
        "-e",
        `@${join(dir, "extra.yml")}`,
        "--json",
      ],
    };
  }
  return {
    cmd: [
      "ansible-playbook",
      playbook,
      "-i",
      join(dir, "inventory.ini"),
      "-f",
      forks(),
      "-e",
      `@${join(dir, "extra.yml")}`,
    ],
    env: ansibleEnv(engine),
  };
}

type Results = Map<string, Sample[]>;
const add = (r: Results, key: string, s: Sample) => r.set(key, [...(r.get(key) ?? []), s]);
// the median of an even count is the mean of the middle two (with 2 runs: their mean, not the lower)
const med = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor((s.length - 1) / 2);
  return s.length % 2 ? s[m] : (s[m] + s[m + 1]) / 2;
};
const fmt = (xs: number[], d = 2) =>
  `${med(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;

async function workloadCase(results: Results): Promise<void> {
  const pb = join(HERE, "workload/bootstrap.yml");
  for (let r = 0; r < RUNS; r++) {
    for (const e of ENGINES) {
      await reset();
      const { cmd, env } = engineCmd(e, pb, "raw.json");
      add(results, `${e}|first`, await timed(cmd, env));
      add(results, `${e}|rerun`, await timed(cmd, env));
      console.error(
        `run ${r + 1}/${RUNS} ${e}: first ${results.get(`${e}|first`)!.at(-1)!.wall}s, re-run ${results.get(`${e}|rerun`)!.at(-1)!.wall}s`,
      );
    }
  }
}

async function trivialCase(results: Results): Promise<void> {
  const pb = join(HERE, "workload/trivial.yml");
  for (let r = 0; r < RUNS; r++) {
    for (const e of ["kplay", "raw"]) {
      const { cmd, env } = engineCmd(e, pb, "raw-trivial.json");
      add(results, `${e}|trivial`, await timed(cmd, env));
      console.error(`run ${r + 1}/${RUNS} trivial ${e}: ${results.get(`${e}|trivial`)!.at(-1)!.wall}s`);
    }
  }
}

async function resumeCase(lines: string[]): Promise<void> {
  // A finished run, then `kplay status` and a `--resume` with every step done.
  const pb = join(HERE, "workload/bootstrap.yml");
  await reset();
  const { cmd } = engineCmd("kplay", pb, "raw.json");
  await timed(cmd);
  const sd = join(dir, "kplay-state");
  const status: Sample[] = [];
  const resume: Sample[] = [];
  for (let r = 0; r < RUNS; r++) {
    status.push(
      await timed([
        process.execPath,
        join(ROOT, "bin/kplay.js"),
        "status",
        "-i",
        join(dir, "inventory.ini"),
        "--state-dir",
        sd,
      ]),
    );
    resume.push(await timed([...cmd, "--resume"]));
  }
  lines.push(
    `## Status and a resume with every step done (${nodes.length} hosts)`,
    "",
    "| command | wall s | controller CPU s |",
    "|---|---|---|",
  );
  lines.push(`| kplay status | ${fmt(status.map((s) => s.wall))} | ${fmt(status.map((s) => s.user + s.sys))} |`);
  lines.push(
    `| kplay run --resume (all done) | ${fmt(resume.map((s) => s.wall))} | ${fmt(resume.map((s) => s.user + s.sys))} |`,
    "",
  );
}

async function modulesCase(lines: string[]): Promise<void> {
  // Per module, TASKS idempotent tasks per host after a first run made everything: kplay's re-run
  // against the raw checks, node CPU and processes per task side by side.
  const src = join(HERE, "workload/templates/config.toml.tmpl");
  const rendered = readFileSync(src, "utf8").replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, k: string) =>
    String(vars[k as keyof typeof vars]),
  );
  const perTask = nodes.length * (TASKS + 1); // the play's directory task and the raw's directory check count too
  lines.push(
    `## Modules: an idempotent re-run, ${TASKS} tasks of one module per host (and the directory check), against the raw check`,
    "",
    "| module | kplay wall s | raw wall s | kplay/raw (pairwise) | node CPU ms per task, kplay | node CPU ms per check, raw | processes per task, kplay / raw | controller CPU ms per host-task, kplay / raw |",
    "|---|---|---|---|---|---|---|---|",
  );
  for (const [i, c] of moduleCases({ src, rendered }).entries()) {
    const pb = modulePlayFile(dir, i);
    writeModulePlay(pb, c, vars);
    const spec = `raw-module-${i}.json`;
    const hosts = nodes.map((n) => ({ host: "127.0.0.1", port: n.sshPort }));
    const commands = rawModuleCommands(c);
    writeFileSync(
      join(dir, spec),
      JSON.stringify({ hosts, key: keyFile, mode: "commands", commands, vars, templates: {} }),
    );
    const kplay = engineCmd("kplay", pb, spec).cmd;
    const rawCmd = engineCmd("raw", pb, spec).cmd;
    await timed(kplay); // the first run: afterwards there is nothing left to change
    const results: Results = new Map();
    for (let r = 0; r < RUNS; r++) {
      add(results, "kplay", await timed(kplay));
      add(results, "raw", await timed(rawCmd));
      console.error(
        `modules ${c.name} run ${r + 1}: kplay ${results.get("kplay")!.at(-1)!.wall}s, raw ${results.get("raw")!.at(-1)!.wall}s`,
      );
    }
    const k = results.get("kplay")!;
    const rw = results.get("raw")!;
    const ms = (xs: Sample[], f: (s: Sample) => number) =>
      fmt(
        xs.map((s) => (f(s) * 1000) / perTask),
        1,
      );
    const procs = (xs: Sample[]) => (med(xs.map((s) => s.procs)) / (TASKS + 1)).toFixed(1);
    lines.push(
      `| ${c.name} | ${fmt(k.map((s) => s.wall))} | ${fmt(rw.map((s) => s.wall))} | ${ratioCol(results, "kplay", "raw")} | ${ms(k, (s) => s.nodeCpu)} | ${ms(rw, (s) => s.nodeCpu)} | ${procs(k)} / ${procs(rw)} | ${ms(k, (s) => s.user + s.sys)} / ${ms(rw, (s) => s.user + s.sys)} |`,
    );
  }
  lines.push("");
}

async function bigOutputCase(lines: string[]): Promise<void> {
  // One node: a task printing 1 GiB and a fetch of a 1 GiB file; the controller's peak RSS and
  // the state files' sizes are what bounded output promises (target: RSS under 300 MB).
  const pb = join(HERE, "workload/bigoutput.yml");
  const sd = join(dir, "kplay-state-big");
  const fetchDir = join(dir, "fetched");
  mkdirSync(sd, { recursive: true });
  writeFileSync(join(sd, "known_hosts"), readFileSync(join(dir, "known_hosts")));
  const samples: Sample[] = [];
  for (let r = 0; r < RUNS; r++) {
    samples.push(
      await timed([
        process.execPath,
        join(ROOT, "bin/kplay.js"),
        "run",
        pb,
        "-i",
        join(dir, "inventory.ini"),
        "--state-dir",
        sd,
        "-e",
        `fetch_dir=${fetchDir}`,
        "--json",
      ]),
    );
    console.error(`bigoutput run ${r + 1}: ${samples.at(-1)!.wall}s, ${Math.round(samples.at(-1)!.rssKb / 1024)} MB`);
  }
  const du = (p: string) => Number(execFileSync("du", ["-sb", p]).toString().split("\t")[0]);
  const fetched = du(join(fetchDir, "kplay-big.bin"));
  lines.push(
    `## Bounded output: 1 GiB printed by a task, a 1 GiB file fetched (1 host)`,
    "",
    "| | value |",
    "|---|---|",
  );
  lines.push(`| wall s | ${fmt(samples.map((s) => s.wall))} |`);
  lines.push(
    `| controller peak RSS MB | ${fmt(
      samples.map((s) => s.rssKb / 1024),
      0,
    )} |`,
  );
  lines.push(`| controller CPU s | ${fmt(samples.map((s) => s.user + s.sys))} |`);
  lines.push(`| state directory after ${RUNS} runs, bytes | ${du(sd)} |`);
  lines.push(`| fetched file, bytes | ${fetched} |`, "");
}

async function hostsCase(lines: string[], image: string): Promise<void> {
  const forksN = "200";
  lines.push(
    `## Hosts: 5 trivial tasks per host, --forks ${forksN}`,
    "",
    "| hosts | connection | wall s | planning s (the same play without tasks) | controller CPU s | CPU ms per host-task | peak RSS MB |",
    "|---|---|---|---|---|---|---|",
  );
  const row = (n: number, kind: string, xs: HostsSample[]) =>
    lines.push(
      `| ${n} | ${kind} | ${fmt(xs.map((s) => s.wall))} | ${fmt(xs.map((s) => s.planning))} | ${fmt(xs.map((s) => s.cpu))} | ${fmt(
        xs.map((s) => (s.cpu * 1000) / (n * 5)),
        3,
      )} | ${fmt(
        xs.map((s) => s.rssMb),
        0,
      )} |`,
    );
  for (const n of args["local-hosts"]!.split(",").filter(Boolean).map(Number)) {
    const inv = join(dir, `local-${n}.ini`);
    localInventory(inv, n);
    const xs: HostsSample[] = [];
    for (let r = 0; r < RUNS; r++) {
      const plan = await timedKplay(
        [
          process.execPath,
          join(ROOT, "bin/kplay.js"),
          "run",
          join(HERE, "workload/hosts-plan.yml"),
          "-i",
          inv,
          "--check",
          "--state-dir",
          join(dir, `st-plan-${n}`),
          "--json",
        ],
        HERE,
      );
      xs.push({
        ...(await timedKplay(
          [
            process.execPath,
            join(ROOT, "bin/kplay.js"),
            "run",
            join(HERE, "workload/hosts-local.yml"),
            "-i",
            inv,
            "--check",
            "--forks",
            forksN,
            "--state-dir",
            join(dir, `st-local-${n}`),
            "--json",
          ],
          HERE,
        )),
        planning: plan.wall,
      });
      console.error(`hosts local ${n} run ${r + 1}: ${xs.at(-1)!.wall}s`);
    }
    row(n, "local", xs);
  }
  const perNode = Number(args["hosts-per-node"]);
  for (const n of args["ssh-hosts"]!.split(",").filter(Boolean).map(Number)) {
    await startNodes(Math.ceil(n / perNode), image);
    const inv = join(dir, `ssh-${n}.ini`);
    sshInventory(
      inv,
      n,
      nodes.map((x) => x.sshPort!),
      keyFile,
    );
    const xs: HostsSample[] = [];
    const raws: HostsSample[] = [];
    for (let r = 0; r < RUNS; r++) {
      const sd = join(dir, `st-ssh-${n}-${r}`);
      mkdirSync(sd, { recursive: true });
      writeFileSync(join(sd, "known_hosts"), readFileSync(join(dir, "known_hosts")));
      const plan = await timedKplay(
        [
          process.execPath,
          join(ROOT, "bin/kplay.js"),
          "run",
          join(HERE, "workload/hosts-plan.yml"),
          "-i",
          inv,
          "--check",
          "--state-dir",
          sd,
          "--json",
        ],
        HERE,
      );
      const prof = args.profile ? ["--cpu-prof", "--cpu-prof-dir", resolve(args.profile)] : [];
      xs.push({
        ...(await timedKplay(
          [
            process.execPath,
            ...prof,
            join(ROOT, "bin/kplay.js"),
            "run",
            join(HERE, "workload/hosts-ssh.yml"),
            "-i",
            inv,
            "--forks",
            forksN,
            "--state-dir",
            sd,
            "--json",
          ],
          HERE,
        )),
        planning: plan.wall,
      });
      console.error(`hosts ssh ${n} run ${r + 1}: ${xs.at(-1)!.wall}s`);
      if (ENGINES.includes("raw")) raws.push(await rawHosts(n, forksN));
    }
    row(n, `ssh (${nodes.length} nodes)`, xs);
    if (raws.length) row(n, `raw ssh2 lower bound (${nodes.length} nodes)`, raws);
    await stopNodes();
  }
  lines.push("");
}

/** The raw ssh2 reference for the SSH hosts case: the same hosts, 5 × `true` each, `forks` at once. */
async function rawHosts(n: number, forks: string): Promise<HostsSample> {
  const spec = join(dir, `raw-hosts-${n}.json`);
  const hosts = Array.from({ length: n }, (_, i) => ({ host: "127.0.0.1", port: nodes[i % nodes.length].sshPort }));
  writeFileSync(
    spec,
    JSON.stringify({ hosts, key: keyFile, mode: "hosts", forks: Number(forks), vars: {}, templates: {} }),
  );
  const sample = await timedKplay([process.execPath, join(HERE, "dist/bench/raw.js"), spec], HERE);
  console.error(`hosts raw ${n}: ${sample.wall}s`);
  return sample;
}

function ratioCol(results: Results, a: string, b: string): string {
  const xs = results.get(a) ?? [];
  const ys = results.get(b) ?? [];
  const pairs = xs.map((x, i) => (ys[i] ? x.wall / ys[i].wall : NaN)).filter((v) => !Number.isNaN(v));
  return pairs.length ? `${fmt(pairs)}` : "–";
}

async function main(): Promise<void> {
  const image = await ensureNodeImage((m) => console.error(m), ["python3"]);
  const lines: string[] = [
    `# kplay benchmark — ${new Date().toISOString()}`,
    "",
    `${CASES.some((c) => c !== "scale") ? `${N} nodes` : `${args.scale} nodes`} (sshd-only containers on this machine), ${RUNS} runs each, interleaved; times in seconds: median (min–max).`,
    "",
  ];
  try {
    const results: Results = new Map();
    if (["workload", "trivial", "resume", "modules"].some((c) => CASES.includes(c))) {
      console.error(`starting ${N} nodes`);
      await startNodes(N, image);
      if (CASES.includes("workload")) {
        await workloadCase(results);
        lines.push(
          "## Workload: offline node bootstrap (10 tasks + handler)",
          "",
          "| engine | first run wall | re-run wall | first/raw (pairwise) | re-run/raw (pairwise) | kplay/engine first (pairwise) | controller CPU s (user+sys, first / re-run) | node CPU s (first / re-run) | processes started per node (first / re-run) | controller peak RSS MB |",
          "|---|---|---|---|---|---|---|---|---|---|",
        );
        for (const e of ENGINES) {
          const f = results.get(`${e}|first`) ?? [];
          const rr = results.get(`${e}|rerun`) ?? [];
          if (!f.length) continue;
          lines.push(
            `| ${e} | ${fmt(f.map((s) => s.wall))} | ${fmt(rr.map((s) => s.wall))} | ${ratioCol(results, `${e}|first`, "raw|first")} | ${ratioCol(results, `${e}|rerun`, "raw|rerun")} | ${ratioCol(results, "kplay|first", `${e}|first`)} | ${fmt(f.map((s) => s.user + s.sys))} / ${fmt(rr.map((s) => s.user + s.sys))} | ${fmt(f.map((s) => s.nodeCpu))} / ${fmt(rr.map((s) => s.nodeCpu))} | ${med(f.map((s) => s.procs)).toFixed(0)} / ${med(rr.map((s) => s.procs)).toFixed(0)} | ${fmt(
              f.map((s) => s.rssKb / 1024),
              0,
            )} |`,
          );
        }
        lines.push("");
      }
      if (CASES.includes("trivial")) {
        await trivialCase(results);
        const k = results.get("kplay|trivial")!;
        const r = results.get("raw|trivial")!;
        const perTask = k.map((s, i) => ((s.wall - r[i].wall) / 100) * 1000);
        const rawRtt = r.map((s) => (s.wall / 100) * 1000);
        lines.push(
          '## Per-task overhead: 100 × `command: "true"`',
          "",
          "| | kplay | raw (100 execs per host) | kplay added ms per task (pairwise) | raw ms per exec round trip |",
          "|---|---|---|---|---|",
        );
        lines.push(
          `| wall s | ${fmt(k.map((s) => s.wall))} | ${fmt(r.map((s) => s.wall))} | ${fmt(perTask, 1)} | ${fmt(rawRtt, 1)} |`,
        );
        lines.push(`| node CPU s | ${fmt(k.map((s) => s.nodeCpu))} | ${fmt(r.map((s) => s.nodeCpu))} | | |`);
        lines.push(
          `| processes started per node | ${med(k.map((s) => s.procs)).toFixed(0)} | ${med(r.map((s) => s.procs)).toFixed(0)} | | |`,
          "",
        );
      }
      if (CASES.includes("resume")) await resumeCase(lines);
      if (CASES.includes("modules")) await modulesCase(lines);
      await stopNodes();
    }
    if (CASES.includes("hosts")) await hostsCase(lines, image);
    if (CASES.includes("bigoutput")) {
      await startNodes(1, image);
      await bigOutputCase(lines);
      await stopNodes();
    }
    if (CASES.includes("scale")) {
      // kplay, and the raw lower bound on the same nodes (interleaved) as the reference for what
      // this machine allows: all nodes share its 2 cores, so per-host time grows for raw too.
      const withRaw = ENGINES.includes("raw");
      const scaleEngines = withRaw ? ["kplay", "raw"] : ["kplay"];
      lines.push(
        "## Scale (workload first run; raw on the same nodes, interleaved, as the machine's reference)",
        "",
        "| nodes | engine | wall s | wall per host ms | kplay/raw (pairwise) | controller CPU s | controller peak RSS MB | node CPU s |",
        "|---|---|---|---|---|---|---|---|",
      );
      for (const count of args.scale!.split(",").map(Number)) {
        console.error(`scale: starting ${count} nodes`);
        await startNodes(count, image);
        const samples: Results = new Map();
        for (let r = 0; r < RUNS; r++) {
          for (const e of scaleEngines) {
            await reset();
            const { cmd } = engineCmd(e, join(HERE, "workload/bootstrap.yml"), "raw.json");
            add(samples, e, await timed(cmd));
            console.error(`scale ${count} run ${r + 1} ${e}: ${samples.get(e)!.at(-1)!.wall}s`);
          }
        }
        for (const e of scaleEngines) {
          const xs = samples.get(e)!;
          lines.push(
            `| ${count} | ${e} | ${fmt(xs.map((s) => s.wall))} | ${fmt(
              xs.map((s) => (s.wall / count) * 1000),
              0,
            )} | ${e === "kplay" && withRaw ? ratioCol(samples, "kplay", "raw") : "–"} | ${fmt(xs.map((s) => s.user + s.sys))} | ${fmt(
              xs.map((s) => s.rssKb / 1024),
              0,
            )} | ${fmt(xs.map((s) => s.nodeCpu))} |`,
          );
        }
      }
      lines.push("");
      await stopNodes();
    }
  } finally {
    await stopNodes();
  }
  const table = lines.join("\n");
  console.log(table);
  mkdirSync(join(HERE, "results"), { recursive: true });
  const out = join(HERE, "results", `bench-${new Date().toISOString().replace(/[:.]/g, "-")}.md`);
  writeFileSync(out, table + "\n");
  console.error(`written to ${out}`);
}

await main();
