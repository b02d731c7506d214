// The raw lower bound for the benchmark: one ssh2 connection per host (TCP_NODELAY on), all hosts
// in parallel, the workload's edits as plain shell commands, one exec per task, each checking
// before it writes (so a re-run with nothing to change is the raw idempotent check).
// Usage: node bench/dist/bench/raw.js SPEC.json   (written by bench/main.ts)
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import ssh2 from "ssh2";
import { quote } from "../src/transport/quote.js";

interface Spec {
  hosts: Array<{ host: string; port: number }>;
  key: string;
  /**
   * workload: the bootstrap edits; trivial: 100 × `true` per host; hosts: 5 × `true` per host,
   * `forks` hosts at once; commands: `commands`, one exec each (the modules case's raw checks)
   */
  mode: "workload" | "trivial" | "hosts" | "commands";
  commands?: string[];
  forks?: number;
  vars: Record<string, string>;
  templates: Record<string, string>;
}

const spec = JSON.parse(readFileSync(process.argv[2], "utf8")) as Spec;
const render = (t: string) => t.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, k: string) => spec.vars[k]);

/** Write content to a path only when its checksum differs; prints "changed" when it wrote. */
function put(path: string, content: string): string {
  return `p=${quote(path)}; c=${quote(content)}; if [ "$(printf '%s' "$c" | sha256sum)" != "$(sha256sum < "$p" 2>/dev/null)" ]; then printf '%s' "$c" > "$p" && echo changed; fi`;
}

function workload(): string[] {
  const v = spec.vars;
  const block = `# BEGIN KPLAY BENCH REGISTRY\n${v.registry_ip} ${v.registry_domain}\n# END KPLAY BENCH REGISTRY`;
  return [
    `grep -qxF ${quote(`${v.registry_ip} ${v.registry_domain}`)} /etc/hosts || { printf '%s\\n' ${quote(block)} >> /etc/hosts; echo changed; }`,
    put("/etc/apt/sources.list.d/offline.list", `deb [trusted=yes] ${v.repo_url} bookworm main\n`),
    put("/usr/local/share/ca-certificates/kplay-bench.crt", v.ca_pem),
    `[ -d /etc/containerd/certs.d/registry.k8s.io ] || { mkdir -p /etc/containerd/certs.d/registry.k8s.io && echo changed; }`,
    put("/etc/containerd/config.toml", render(spec.templates["config.toml.tmpl"])),
    put("/etc/containerd/certs.d/registry.k8s.io/hosts.toml", render(spec.templates["hosts.toml.tmpl"])),
    put("/etc/sysctl.d/99-kubernetes.conf", "net.ipv4.ip_forward = 1\nnet.bridge.bridge-nf-call-iptables = 1\n"),
    put("/etc/modules-load.d/kubernetes.conf", "overlay\nbr_netfilter\n"),
    `grep -qxF KPLAY_BENCH=1 /etc/environment || { echo KPLAY_BENCH=1 >> /etc/environment; echo changed; }`,
    `uname -r`,
  ];
}

function exec(c: InstanceType<typeof ssh2.Client>, cmd: string): Promise<string> {
  return new Promise((res, rej) =>
    c.exec(cmd, (err, stream) => {
      if (err) return rej(err);
      let out = "";
      stream.on("data", (d: Buffer) => (out += d));
      stream.stderr.on("data", () => undefined);
      stream.on("close", () => res(out));
    }),
  );
}

async function host(h: { host: string; port: number }): Promise<void> {
  const sock = await new Promise<ReturnType<typeof connect>>((res, rej) => {
    const s = connect(h.port, h.host, () => res(s));
    s.on("error", rej);
  });
  sock.setNoDelay(true);
  const c = new ssh2.Client();
  await new Promise<void>((res, rej) =>
    c
      .on("ready", () => res())
      .on("error", rej)
      .connect({ sock, username: "root", privateKey: readFileSync(spec.key), readyTimeout: 120_000 }),
  );
  if (spec.mode === "commands") {
    for (const cmd of spec.commands ?? []) await exec(c, cmd);
  } else if (spec.mode === "trivial" || spec.mode === "hosts") {
    for (let i = 0; i < (spec.mode === "hosts" ? 5 : 100); i++) await exec(c, "true");
  } else {
    const cmds = workload();
    let caChanged = false;
    for (const [i, cmd] of cmds.entries()) {
      const out = await exec(c, cmd);
      if (i === 2 && out.includes("changed")) caChanged = true;
    }
    if (caChanged) await exec(c, "update-ca-certificates >/dev/null");
  }
  c.end();
}

/** At most `limit` hosts at once (kplay's --forks), each started as another one finishes. */
async function limited(limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < spec.hosts.length) await host(spec.hosts[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, spec.hosts.length) }, worker));
}

await limited(spec.forks ?? spec.hosts.length);
