// Owns the sandbox's offline bundle: Debian packages the bootstrap node and the cluster nodes
// need (downloaded on the controller through its normal apt configuration, dependencies resolved
// against the node image's installed set), a signed flat apt repository, two small OCI images
// built locally and laid out as registry storage, a files/ tree and sha256sum.txt. Built once
// per recipe (hash in the directory name) and reused.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { KplayError } from "../errors.js";
import { buildAptRepo, ensureSigningKey, sha256Lines, stopAgent, tempDir } from "./apt-repo.js";
import { bundleLists, readDownloadVars, type ListEntry } from "./lists.js";
import { buildImage, writeToRegistryStore } from "./oci.js";

/** Packages the bootstrap node serves with (nginx, registry, chrony) and the node steps install. */
export const BOOTSTRAP_PACKAGES = ["nginx-light", "docker-registry", "chrony"];
export const NODE_PACKAGES = ["containerd", "runc", "chrony", "conntrack", "socat", "ipset", "ipvsadm", "ebtables", "ethtool", "iptables", "kmod", "etcd-server", "etcd-client"];
/** Not installed by any step: the acceptance test installs it from the repo by hand. */
export const EXTRA_PACKAGES = ["tree"];
export const SANDBOX_IMAGES = [
  { ref: "registry.k8s.io/pause:3.9", entrypoint: ["/bin/busybox", "sleep", "2147483647"] },
  { ref: "docker.io/library/busybox:1.36", cmd: ["/bin/busybox", "sh"] },
  // kubeadm v1.28's CoreDNS; in the internal project as <project>/coredns/coredns (kubeadm's dns.imageRepository)
  { ref: "registry.k8s.io/coredns/coredns:v1.10.1", entrypoint: ["/bin/busybox", "sleep", "2147483647"] },
];
const RECIPE_VERSION = "3";

/** The Kubernetes version the sandbox serves (its config.yaml's kube_version); every other version comes from playbooks/vars/download.yml. */
export const SANDBOX_KUBE_VERSION = "v1.28.4";
export const METRICS_SERVER_VERSION = "v0.6.4";
export const DOWNLOAD_VARS = fileURLToPath(new URL("../../playbooks/vars/download.yml", import.meta.url));

/** The shipped download list for the sandbox's architecture and Kubernetes version. */
export function sandboxFileList(arch: string): ListEntry[] {
  return bundleLists({ ...readDownloadVars(DOWNLOAD_VARS), kube_version: SANDBOX_KUBE_VERSION }, [arch], DOWNLOAD_VARS).files;
}
/**
 * TEST STAND-IN, not Kubernetes: kubeadm, kubelet, kubectl and crictl cannot be obtained on the
 * machines kplay is built on, so the sandbox serves test/stand-ins/kube-standin under their
 * upstream download paths (see that file and the README). The CNI plugins are real (Debian's
 * containernetworking-plugins, repacked as the upstream release archive).
 */
export const STANDIN = [new URL("../../../test/stand-ins/kube-standin", import.meta.url), new URL("../../test/stand-ins/kube-standin", import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((f) => existsSync(f)) ?? "test/stand-ins/kube-standin";

export interface BundleInfo {
  dir: string;
  repo: string;
  arch: string;
  distro: string;
  images: string[];
  packages: string[];
}

function dpkgArch(): string {
  return execFileSync("dpkg", ["--print-architecture"], { encoding: "utf8" }).trim();
}

/** The sandbox bundle for `nodeImage`, built under `base` when missing. */
export function ensureSandboxBundle(base: string, nodeImage: string, log: (m: string) => void): BundleInfo {
  const arch = dpkgArch();
  const distro = `debian-12-${arch}`;
  const pkgs = [...new Set([...BOOTSTRAP_PACKAGES, ...NODE_PACKAGES, ...EXTRA_PACKAGES])].sort();
  const standin = readFileSync(STANDIN);
  const id = createHash("sha256")
    .update(JSON.stringify([RECIPE_VERSION, nodeImage, pkgs, SANDBOX_IMAGES, arch, SANDBOX_KUBE_VERSION, METRICS_SERVER_VERSION]))
    .update(readFileSync(DOWNLOAD_VARS))
    .update(standin)
    .update(readFileSync(join(dirname(STANDIN), "manifests", "calico.yaml")))
    .update(readFileSync(join(dirname(STANDIN), "manifests", "kube-flannel.yml")))
    .digest("hex")
    .slice(0, 12);
  const dir = join(base, `bundle-${id}`);
  const info: BundleInfo = { dir, repo: distro, arch, distro, images: SANDBOX_IMAGES.map((i) => i.ref), packages: pkgs };
  if (existsSync(join(dir, "sha256sum.txt"))) return info;
  log(`building the sandbox bundle in ${dir}`);
  const work = `${dir}.partial`;
  rmSync(work, { recursive: true, force: true });
  const repoDir = join(work, "repos", distro);
  mkdirSync(repoDir, { recursive: true });
  downloadPackages(nodeImage, pkgs, repoDir);
  const key = ensureSigningKey(join(base, "bundle-gnupg"));
  try {
    buildAptRepo(repoDir, key, `kplay sandbox ${distro}`);
  } finally {
    stopAgent(key.home);
  }
  mkdirSync(join(work, "keys"), { recursive: true });
  writeFileSync(join(work, "keys", "kplay-bundle.asc"), key.publicKey);
  writeFileSync(join(work, "repos", "kplay-bundle.asc"), key.publicKey);
  buildImages(repoDir, join(work, "registry"), arch);
  mkdirSync(join(work, "files"), { recursive: true });
  writeFileSync(join(work, "files", "README"), "Binaries served by the bootstrap node, under files/<host>/<path of the original URL>.\n");
  writeKubeFiles(join(work, "files"), repoDir, arch, standin);
  writeFileSync(join(work, "bundle.json"), JSON.stringify({ ...info, dir: undefined, created: new Date().toISOString() }, null, 2) + "\n");
  writeFileSync(join(work, "sha256sum.txt"), sha256Lines(work, (r) => r === "sha256sum.txt"));
  rmSync(dir, { recursive: true, force: true });
  renameSync(work, dir);
  return info;
}

/** apt-get --download-only against the node image's dpkg status: exactly what a node lacks. */
function downloadPackages(nodeImage: string, pkgs: string[], into: string): void {
  if (process.getuid?.() !== 0) throw new KplayError("usage", "building the sandbox bundle needs root (apt-get downloads the packages)", { hint: "run as root, as .ci/prepare-host does" });
  const tmp = tempDir("kplay-bundle-");
  try {
    const status = join(tmp, "status");
    writeFileSync(status, execFileSync("docker", ["run", "--rm", "--network", "none", "--entrypoint", "cat", nodeImage, "/var/lib/dpkg/status"], { maxBuffer: 64 << 20 }));
    mkdirSync(join(tmp, "archives", "partial"), { recursive: true });
    const apt = (args: string[]) =>
      execFileSync("apt-get", ["-q", "-y", "-o", `Dir::State::status=${status}`, "-o", `Dir::Cache::archives=${join(tmp, "archives")}`, "-o", "Debug::NoLocking=1", "-o", "APT::Install-Recommends=false", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    try {
      apt(["install", "--download-only", ...pkgs]);
    } catch (e) {
      throw new KplayError("host", `apt-get could not download the bundle's packages: ${String((e as { stderr?: string }).stderr ?? e).trim().split("\n").slice(-3).join(" ")}`, { cause: e });
    }
    // Packages the image already has are not downloaded by the resolver: fetch them too, so a
    // node that lacks one still installs from the bundle.
    const got = new Set(readdirSync(join(tmp, "archives")).filter((f) => f.endsWith(".deb")).map((f) => f.split("_")[0]));
    const missing = pkgs.filter((p) => !got.has(p));
    if (missing.length) execFileSync("apt-get", ["-q", "download", ...missing], { cwd: join(tmp, "archives"), stdio: ["ignore", "pipe", "pipe"] });
    // busybox-static for the images, the CNI plugins for files/
    execFileSync("apt-get", ["-q", "download", "busybox-static", "containernetworking-plugins"], { cwd: join(tmp, "archives"), stdio: ["ignore", "pipe", "pipe"] });
    for (const f of readdirSync(join(tmp, "archives")).filter((x) => x.endsWith(".deb"))) renameSync(join(tmp, "archives", f), join(into, f));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * files/ as a real bundle has it (URL-preserving paths, a .sha256 beside each file as the
 * upstream servers publish): kubeadm/kubelet/kubectl and the crictl archive are the test
 * stand-in; the CNI plugins archive holds Debian's real plugins.
 */
function writeKubeFiles(files: string, repoDir: string, arch: string, standin: Buffer): void {
  const put = (rel: string, data: Buffer, mode = 0o644) => {
    const f = join(files, rel);
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, data, { mode });
    writeFileSync(`${f}.sha256`, createHash("sha256").update(data).digest("hex") + "\n");
  };
  const tmp = tempDir("kplay-kubefiles-");
  try {
    mkdirSync(join(tmp, "crictl"));
    writeFileSync(join(tmp, "crictl", "crictl"), standin, { mode: 0o755 });
    execFileSync("tar", ["-C", join(tmp, "crictl"), "--owner=0", "--group=0", "-czf", join(tmp, "crictl.tgz"), "crictl"]);
    const deb = readdirSync(repoDir).find((f) => f.startsWith("containernetworking-plugins_"));
    if (!deb) throw new KplayError("internal", "containernetworking-plugins was not downloaded");
    execFileSync("dpkg-deb", ["-x", join(repoDir, deb), join(tmp, "cni")]);
    execFileSync("tar", ["-C", join(tmp, "cni", "usr", "lib", "cni"), "--owner=0", "--group=0", "-czf", join(tmp, "cni.tgz"), "."]);
    // What stands in for each *_download_url of the shipped download variables: the paths come
    // from the same list `kplay bundle list files` prints (network manifests are test fixtures
    // shaped like the upstream files, see their headers).
    const fixture = (f: string) => readFileSync(join(dirname(STANDIN), "manifests", f));
    const content: Record<string, () => [Buffer, number]> = {
      kubeadm: () => [standin, 0o755],
      kubelet: () => [standin, 0o755],
      kubectl: () => [standin, 0o755],
      crictl: () => [readFileSync(join(tmp, "crictl.tgz")), 0o644],
      cni: () => [readFileSync(join(tmp, "cni.tgz")), 0o644],
      calico_manifest: () => [fixture("calico.yaml"), 0o644],
      flannel_manifest: () => [fixture("kube-flannel.yml"), 0o644],
    };
    for (const f of sandboxFileList(arch)) {
      const make = content[f.name];
      if (!make) throw new KplayError("internal", `the sandbox bundle has nothing to serve for ${f.name}_download_url (${f.value})`);
      put(f.value.replace(/^https:\/\//, ""), ...make());
    }
    // an app for 05-cluster-apps' tests (not one of kplay's own downloads)
    put(`github.com/kubernetes-sigs/metrics-server/releases/download/${METRICS_SERVER_VERSION}/components.yaml`, fixture("metrics-server.yaml"));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Images with a static busybox, stored under their upstream name and under library/<path> (registry.k8s.io/coredns/coredns -> library/coredns/coredns, docker.io/library/busybox -> library/busybox). */
function buildImages(repoDir: string, registryRoot: string, arch: string): void {
  const deb = readdirSync(repoDir).find((f) => f.startsWith("busybox-static_"));
  if (!deb) throw new KplayError("internal", "busybox-static was not downloaded");
  const tmp = tempDir("kplay-busybox-");
  try {
    execFileSync("dpkg-deb", ["-x", join(repoDir, deb), tmp]);
    const busybox = readFileSync(join(tmp, "bin", "busybox"));
    for (const img of SANDBOX_IMAGES) {
      const image = buildImage({ arch, files: [{ path: "bin", type: "dir" }, { path: "bin/busybox", type: "file", mode: 0o755, data: busybox }, { path: "bin/sh", type: "symlink", target: "busybox" }, { path: "tmp", type: "dir", mode: 0o1777 }], entrypoint: img.entrypoint, cmd: img.cmd });
      const [name, tag] = img.ref.split(/:(?=[^:/]+$)/);
      writeToRegistryStore(registryRoot, name, tag, image);
      writeToRegistryStore(registryRoot, `library/${name.split("/").slice(1).join("/").replace(/^library\//, "")}`, tag, image);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
