// Owns the checks of config.yaml as one cluster, after each field passed on its own: networks
// that are CIDRs and do not overlap each other or the nodes, ports of the bootstrap services
// that do not collide, node addresses used once, the groups a cluster needs; and for the commands
// that install Kubernetes, a kube_version the bundle beside it carries. Each refusal names
// the config file, the line and the field, before anything runs (exit 2).
import { existsSync, readdirSync, statSync } from "node:fs";
import { isIPv4 } from "node:net";
import { join } from "node:path";
import { bundleDirOf } from "./cluster.js";
import { bootstrapHosts } from "../cluster/nodes.js";
import { inputError } from "../errors.js";
import type { Inventory } from "../inventory/index.js";
import { readYamlFile, type YamlSource } from "../yaml-source.js";

/** kubespray's defaults, used when config.yaml leaves the networks out. */
const DEFAULT_PODS = "10.233.64.0/18";
const DEFAULT_SERVICES = "10.233.0.0/18";

interface Cidr {
  base: number;
  bits: number;
  text: string;
}

export function checkClusterConfig(src: YamlSource, inv: Inventory): void {
  const data = (src.data ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const fail = (path: Array<string | number>, message: string, hint?: string) =>
    inputError(message, { file: src.file, ...src.pos(path), field: path.join(".") }, hint);
  const ks = data.kubespray ?? {};
  const pods = cidrOf(ks.kube_pods_subnet ?? DEFAULT_PODS, (m) => fail(["kubespray", "kube_pods_subnet"], m));
  const services = cidrOf(ks.kube_service_addresses ?? DEFAULT_SERVICES, (m) =>
    fail(["kubespray", "kube_service_addresses"], m),
  );
  if (overlap(pods, services))
    throw fail(
      ["kubespray", "kube_service_addresses"],
      `the service network ${services.text} and the pod network ${pods.text} overlap`,
    );
  checkNodes(inv, [pods, services], (host, m) => fail(["inventory"], `${host}: ${m}`));
  checkPorts(data.compose ?? {}, data.default ?? {}, fail);
}

/**
 * For the commands that install Kubernetes' binaries (deploy-cluster, add-node, upgrade-cluster):
 * a bundle unpacked beside config.yaml (compose.bundle_dir, on the machine kplay runs on, as on
 * the bootstrap node) carries kube_version's binaries, files/dl.k8s.io/release/VERSION as
 * kubeadm_download_url names them. A bundle elsewhere (on another node) is not looked into; other
 * commands (status, remove-node) work with any bundle.
 */
export function checkBundleCarries(configFile: string | undefined, inv: Inventory): void {
  if (!configFile) return;
  const src = readYamlFile(configFile);
  const data = (src.data ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const bundle = bundleDirOf(src.file, data.compose?.bundle_dir);
  checkLocalBundle(src, bundle, inv);
  const version = data.kubespray?.kube_version;
  if (typeof version !== "string") return;
  const releases = join(bundle, "files", "dl.k8s.io", "release");
  if (!isDirectory(releases) || existsSync(join(releases, version))) return;
  const carried = readdirSync(releases).filter((v) => /^v\d/.test(v));
  throw inputError(
    `the bundle in ${bundle} does not carry Kubernetes ${version} (it carries ${carried.join(", ") || "none"})`,
    { file: src.file, ...src.pos(["kubespray", "kube_version"]), field: "kubespray.kube_version" },
    "build a bundle for that version (kplay bundle build) or set kube_version to one it carries",
  );
}

/**
 * When the bootstrap node is this machine (no bootstrap host in the inventory, or one reached over
 * the local connection), the bundle it serves is compose.bundle_dir here: without it the first
 * step would fail after the controller's certificates were made.
 */
function checkLocalBundle(src: YamlSource, bundle: string, inv: Inventory): void {
  const boot = bootstrapHosts(inv);
  if (boot.length === 0 || !boot.every((h) => inv.hostVars(h).ansible_connection === "local")) return;
  if (isDirectory(bundle)) return;
  const given = (src.data as { compose?: { bundle_dir?: unknown } } | null)?.compose?.bundle_dir !== undefined;
  const what = existsSync(bundle) ? "is not a directory" : "does not exist";
  throw inputError(
    `the bootstrap node is this machine and its bundle directory ${bundle} ${what}`,
    { file: src.file, ...src.pos(given ? ["compose", "bundle_dir"] : ["compose"]), field: "compose.bundle_dir" },
    "unpack the offline bundle there (kplay bundle build makes one), or set compose.bundle_dir to where it is",
  );
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** An IPv4 CIDR such as 10.233.64.0/18 (text, one network), or an error in plain words. */
function cidrOf(v: unknown, fail: (message: string) => Error): Cidr {
  if (typeof v !== "string") throw fail(`must be one network such as 10.233.64.0/18, got ${JSON.stringify(v)}`);
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(v.trim());
  if (!m || !isIPv4(m[1]) || Number(m[2]) > 32 || Number(m[2]) < 1)
    throw fail(`${JSON.stringify(v)} is not a network in CIDR form such as 10.233.64.0/18 (prefix 1 to 32)`);
  const bits = Number(m[2]);
  return { base: ipNumber(m[1]) & mask(bits), bits, text: v.trim() };
}

function ipNumber(ip: string): number {
  return ip.split(".").reduce((n, part) => ((n << 8) | Number(part)) >>> 0, 0);
}

function mask(bits: number): number {
  return bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
}

function contains(net: Cidr, ip: number): boolean {
  return (ip & mask(net.bits)) >>> 0 === net.base >>> 0;
}

function overlap(a: Cidr, b: Cidr): boolean {
  return contains(a, b.base) || contains(b, a.base);
}

/** Every node's address is its own, and outside the pod and service networks. */
function checkNodes(inv: Inventory, nets: Cidr[], fail: (host: string, message: string) => Error): void {
  const seen = new Map<string, string>();
  for (const h of inv.hostNames) {
    const v = inv.hostVars(h);
    const ip = [v.ip, v.ansible_host].find((x): x is string => typeof x === "string" && isIPv4(x));
    if (!ip || ip.startsWith("127.") || v.ansible_connection === "local") continue;
    const other = seen.get(ip);
    if (other && inv.hostVars(other).ansible_port === v.ansible_port)
      throw fail(h, `has the address ${ip}, as ${other} does: each node needs its own`);
    seen.set(ip, h);
    const inside = nets.find((n) => contains(n, ipNumber(ip)));
    if (inside) throw fail(h, `its address ${ip} lies inside the cluster network ${inside.text}`);
  }
}

/** nginx (the files server) and the registry's ports are distinct. */
function checkPorts(
  compose: Record<string, unknown>,
  defaults: Record<string, unknown>,
  fail: (path: string[], message: string) => Error,
): void {
  const ports: Array<[string[], number]> = [
    [["compose", "nginx_http_port"], Number(compose.nginx_http_port ?? 8080)],
    [["default", "registry_https_port"], Number(defaults.registry_https_port ?? 443)],
    [["default", "registry_push_port"], Number(defaults.registry_push_port ?? 5000)],
  ];
  for (const [i, [path, port]] of ports.entries()) {
    const clash = ports.slice(0, i).find(([, p]) => p === port);
    if (clash)
      throw fail(path, `port ${port} is already ${clash[0].join(".")}: the bootstrap node serves each on its own`);
  }
}
