// Owns the sandbox's offline bundle, made by kplay bundle build's own builder (src/bundle/build.ts):
// Debian packages the bootstrap node and the cluster nodes need (resolved from this machine's apt
// sources against the node image's installed set, a signed flat apt repository), the files/
// tree with sha256 (fetched from a local mirror holding the test stand-ins and fixtures at their
// upstream paths, the paths coming from playbooks/vars/download.yml), plus small OCI images built
// locally and laid out as registry storage. Built once per recipe (hash in the directory name).
import { KPLAY_ROOT } from "../version.js";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { KplayError } from "../errors.js";
import { RegistryClient } from "../images/registry.js";
import { hostAptSources } from "./apt-download.js";
import { sha256Lines, tempDir } from "./apt-repo.js";
import { buildBundle } from "./build.js";
import { bundleLists, readDownloadVars, type ListEntry } from "./lists.js";
import { buildImage, writeToRegistryStore } from "./oci.js";
import { makeDirs } from "../make-dirs.js";

/** Packages the bootstrap node serves with (nginx, registry, chrony) and the node steps install. */
export const BOOTSTRAP_PACKAGES = ["nginx-light", "docker-registry", "chrony"];
export const NODE_PACKAGES = [
  "containerd",
  "runc",
  "chrony",
  "conntrack",
  "socat",
  "ipset",
  "ipvsadm",
  "ebtables",
  "ethtool",
  "iptables",
  "kmod",
  "etcd-server",
  "etcd-client",
];
/** Not installed by any step: the acceptance test installs it from the repo by hand. */
export const EXTRA_PACKAGES = ["tree"];
export const SANDBOX_IMAGES = [
  { ref: "registry.k8s.io/pause:3.9", entrypoint: ["/bin/busybox", "sleep", "2147483647"] },
  { ref: "docker.io/library/busybox:1.36", cmd: ["/bin/busybox", "sh"] },
  // kubeadm v1.28's CoreDNS; in the internal project as <project>/coredns/coredns (kubeadm's dns.imageRepository)
  { ref: "registry.k8s.io/coredns/coredns:v1.10.1", entrypoint: ["/bin/busybox", "sleep", "2147483647"] },
];
const RECIPE_VERSION = "4";

/**
 * The Kubernetes version the sandbox serves (its config.yaml's kube_version); every other version
 * comes from playbooks/vars/download.yml.
 */
export const SANDBOX_KUBE_VERSION = "v1.28.4";
/** The next minor version the sandbox bundle also serves, so upgrade-cluster can be run on it. */
export const SANDBOX_UPGRADE_VERSION = "v1.29.0";
export const METRICS_SERVER_VERSION = "v0.6.4";
const METRICS_SERVER_PATH =
  `github.com/kubernetes-sigs/metrics-server/releases/download/${METRICS_SERVER_VERSION}` + "/components.yaml";
export const DOWNLOAD_VARS = join(KPLAY_ROOT, "playbooks/vars/download.yml");

/** The shipped download list for the sandbox's architecture and both its Kubernetes versions. */
export function sandboxFileList(arch: string): ListEntry[] {
  const all = [SANDBOX_KUBE_VERSION, SANDBOX_UPGRADE_VERSION].flatMap(
    (v) => bundleLists({ ...readDownloadVars(DOWNLOAD_VARS), kube_version: v }, [arch], DOWNLOAD_VARS).files,
  );
  return all.filter((f, i) => all.findIndex((g) => g.value === f.value) === i);
}

/** The stand-in as the copy served for one Kubernetes version (its version line written in). */
export function standinFor(standin: Buffer, version: string): Buffer {
  const line = 'my $BUILT = "v0.0.0-standin";';
  const text = standin.toString("utf8");
  if (!text.includes(line)) throw new KplayError("internal", `the stand-in has no version line (${line})`);
  return Buffer.from(text.replace(line, `my $BUILT = ${JSON.stringify(version)};`));
}

/** The Kubernetes version in a dl.k8s.io download URL. */
function releaseOf(url: string): string {
  const v = /\/release\/(v[^/]+)\//.exec(url)?.[1];
  if (!v) throw new KplayError("internal", `no Kubernetes version in ${url}`);
  return v;
}
/**
 * TEST STAND-IN, not Kubernetes: kubeadm, kubelet, kubectl and crictl cannot be obtained on the
 * machines kplay is built on, so the sandbox serves test/stand-ins/kube-standin under their
 * upstream download paths (see that file and the README). The CNI plugins are real (Debian's
 * containernetworking-plugins, repacked as the upstream release archive).
 */
export const STANDIN =
  [
    new URL("../../../test/stand-ins/kube-standin", import.meta.url),
    new URL("../../test/stand-ins/kube-standin", import.meta.url),
  ]
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

/** What the sandbox bundle is made from: any change gives it a new id (and directory). */
function recipeId(o: { nodeImage: string; pkgs: string[]; arch: string; standin: Buffer }): string {
  const manifests = ["calico.yaml", "kube-flannel.yml", "metrics-server.yaml"];
  const h = createHash("sha256").update(
    JSON.stringify([
      RECIPE_VERSION,
      o.nodeImage,
      o.pkgs,
      SANDBOX_IMAGES,
      o.arch,
      SANDBOX_KUBE_VERSION,
      SANDBOX_UPGRADE_VERSION,
      METRICS_SERVER_VERSION,
    ]),
  );
  h.update(readFileSync(DOWNLOAD_VARS)).update(o.standin);
  for (const m of manifests) h.update(readFileSync(join(dirname(STANDIN), "manifests", m)));
  return h.digest("hex").slice(0, 12);
}

/** The sandbox bundle for `nodeImage`, built under `base` when missing, by kplay bundle build's own builder. */
export async function ensureSandboxBundle(
  base: string,
  nodeImage: string,
  log: (m: string) => void,
): Promise<BundleInfo> {
  const arch = dpkgArch();
  const distro = `debian-12-${arch}`;
  const pkgs = [...new Set([...BOOTSTRAP_PACKAGES, ...NODE_PACKAGES, ...EXTRA_PACKAGES])].sort();
  const standin = readFileSync(STANDIN);
  const dir = join(base, `bundle-${recipeId({ nodeImage, pkgs, arch, standin })}`);
  const images = SANDBOX_IMAGES.map((i) => i.ref);
  const info: BundleInfo = { dir, repo: distro, arch, distro, images, packages: pkgs };
  if (existsSync(join(dir, "sha256sum.txt"))) return info;
  if (process.getuid?.() !== 0)
    throw new KplayError("usage", "building the sandbox bundle needs root (apt-get downloads the packages)", {
      hint: "run as root, as .ci/prepare-host does",
    });
  log(`building the sandbox bundle in ${dir}`);
  const work = `${dir}.partial`;
  rmSync(work, { recursive: true, force: true });
  const tmp = tempDir("kplay-sandbox-src-");
  try {
    const root = await buildSandboxBundle({ tmp, work, base, nodeImage, info, standin });
    rmSync(dir, { recursive: true, force: true });
    renameSync(root, dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
  return info;
}

/** Build the bundle's content under `work`; returns its architecture directory. */
async function buildSandboxBundle(b: {
  tmp: string;
  work: string;
  base: string;
  nodeImage: string;
  info: BundleInfo;
  standin: Buffer;
}): Promise<string> {
  const { tmp, work, info } = b;
  const arch = info.arch;
  // Helpers (not in the repository): busybox for the images, Debian's CNI plugins for files/.
  const helpers = join(tmp, "helpers");
  mkdirSync(helpers);
  execFileSync("apt-get", ["-q", "download", "busybox-static", "containernetworking-plugins"], {
    cwd: helpers,
    stdio: ["ignore", "pipe", "pipe"],
  });
  // What the files server offers, laid out as upstream URLs: the stand-ins and fixtures.
  const mirror = join(tmp, "mirror");
  writeKubeFiles(mirror, helpers, arch, b.standin);
  const status = join(tmp, "status");
  const cat = ["run", "--rm", "--network", "none", "--entrypoint", "cat", b.nodeImage, "/var/lib/dpkg/status"];
  writeFileSync(status, execFileSync("docker", cat, { maxBuffer: 64 << 20 }));
  // The bundle itself, as kplay bundle build makes one: files with sha256 from the local
  // mirror, the node packages resolved against the node image's dpkg status from this
  // machine's apt sources, signed with the sandbox's bundle key.
  await buildBundle({
    out: work,
    arches: [arch],
    // the stand-ins are not upstream's files, so upstream's pinned checksums do not apply to them
    files: [
      ...sandboxFileList(arch).map((f) => ({ ...f, sha256: undefined })),
      { name: "metrics_server_manifest", arch, value: `https://${METRICS_SERVER_PATH}` },
    ],
    images: [],
    client: new RegistryClient(),
    project: "library",
    filesFrom: pathToFileURL(mirror).toString(),
    tarballs: false,
    packages: {
      list: info.packages,
      sources: [],
      sourceFiles: hostAptSources(),
      status,
      distro: "debian-12",
      keyDir: join(b.base, "bundle-gnupg"),
    },
    log: () => undefined,
  });
  const root = join(work, arch);
  // Images are built here (no registry to pull from): registry storage beside bundle build's.
  buildImages(helpers, join(root, "registry"), arch);
  const readme = "Binaries served by the bootstrap node, under files/<host>/<path of the original URL>.\n";
  writeFileSync(join(root, "files", "README"), readme);
  const meta = { ...info, dir: undefined, created: new Date().toISOString() };
  writeFileSync(join(root, "bundle.json"), JSON.stringify(meta, null, 2) + "\n");
  const sums = sha256Lines(root, (r) => r === "sha256sum.txt" || r.endsWith(".kplay-meta.json"));
  writeFileSync(join(root, "sha256sum.txt"), sums);
  return root;
}

/**
 * files/ as a real bundle has it (URL-preserving paths, a .sha256 beside each file as the
 * upstream servers publish): kubeadm/kubelet/kubectl and the crictl archive are the test
 * stand-in; the CNI plugins archive holds Debian's real plugins.
 */
function writeKubeFiles(files: string, repoDir: string, arch: string, standin: Buffer): void {
  const put = (rel: string, data: Buffer, mode = 0o644) => {
    const f = join(files, rel);
    makeDirs(dirname(f));
    writeFileSync(f, data, { mode });
  };
  const tmp = tempDir("kplay-kubefiles-");
  try {
    mkdirSync(join(tmp, "crictl"));
    writeFileSync(join(tmp, "crictl", "crictl"), standin, { mode: 0o755 });
    execFileSync("tar", [
      "-C",
      join(tmp, "crictl"),
      "--owner=0",
      "--group=0",
      "-czf",
      join(tmp, "crictl.tgz"),
      "crictl",
    ]);
    const deb = readdirSync(repoDir).find((f) => f.startsWith("containernetworking-plugins_"));
    if (!deb) throw new KplayError("internal", "containernetworking-plugins was not downloaded");
    execFileSync("dpkg-deb", ["-x", join(repoDir, deb), join(tmp, "cni")]);
    execFileSync("tar", [
      "-C",
      join(tmp, "cni", "usr", "lib", "cni"),
      "--owner=0",
      "--group=0",
      "-czf",
      join(tmp, "cni.tgz"),
      ".",
    ]);
    // What stands in for each *_download_url of the shipped download variables: the paths come
    // from the same list `kplay bundle list files` prints (network manifests are test fixtures
    // shaped like the upstream files, see their headers).
    const fixture = (f: string) => readFileSync(join(dirname(STANDIN), "manifests", f));
    const content: Record<string, (url: string) => [Buffer, number]> = {
      kubeadm: (url) => [standinFor(standin, releaseOf(url)), 0o755],
      kubelet: (url) => [standinFor(standin, releaseOf(url)), 0o755],
      kubectl: (url) => [standinFor(standin, releaseOf(url)), 0o755],
      crictl: () => [readFileSync(join(tmp, "crictl.tgz")), 0o644],
      cni: () => [readFileSync(join(tmp, "cni.tgz")), 0o644],
      calico_manifest: () => [fixture("calico.yaml"), 0o644],
      flannel_manifest: () => [fixture("kube-flannel.yml"), 0o644],
    };
    for (const f of sandboxFileList(arch)) {
      const make = content[f.name];
      if (!make)
        throw new KplayError(
          "internal",
          `the sandbox bundle has nothing to serve for ${f.name}_download_url (${f.value})`,
        );
      put(f.value.replace(/^https:\/\//, ""), ...make(f.value));
    }
    // an app for 05-cluster-apps' tests (not one of kplay's own downloads)
    put(METRICS_SERVER_PATH, fixture("metrics-server.yaml"));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Images with a static busybox, stored under their upstream name and under library/<path>
 * (registry.k8s.io/coredns/coredns -> library/coredns/coredns, docker.io/library/busybox -> library/busybox).
 */
function buildImages(repoDir: string, registryRoot: string, arch: string): void {
  const deb = readdirSync(repoDir).find((f) => f.startsWith("busybox-static_"));
  if (!deb) throw new KplayError("internal", "busybox-static was not downloaded");
  const tmp = tempDir("kplay-busybox-");
  try {
    execFileSync("dpkg-deb", ["-x", join(repoDir, deb), tmp]);
    const busybox = readFileSync(join(tmp, "bin", "busybox"));
    for (const img of SANDBOX_IMAGES) {
      const image = buildImage({
        arch,
        files: [
          { path: "bin", type: "dir" },
          { path: "bin/busybox", type: "file", mode: 0o755, data: busybox },
          { path: "bin/sh", type: "symlink", target: "busybox" },
          { path: "tmp", type: "dir", mode: 0o1777 },
        ],
        entrypoint: img.entrypoint,
        cmd: img.cmd,
      });
      const [name, tag] = img.ref.split(/:(?=[^:/]+$)/);
      writeToRegistryStore(registryRoot, name, tag, image);
      writeToRegistryStore(
        registryRoot,
        `library/${name
          .split("/")
          .slice(1)
          .join("/")
          .replace(/^library\//, "")}`,
        tag,
        image,
      );
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
