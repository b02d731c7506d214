// The local apt repository the fresh-node differential cases install from (no node reaches out):
// the packages the role-shaped cases use, with every dependency and recommendation resolved
// against the node image's dpkg status — apt installs recommends by default, and the comparison
// must see whether an engine asks for them. Built once by global-setup, keyed by its package list
// and the node image, from this machine's apt sources (as the sandbox bundle is).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { downloadDebs, hostAptSources } from "../../src/bundle/apt-download.js";
import { packagesIndex } from "../../src/bundle/apt-repo.js";
import { nodeImageTag } from "../../src/sandbox/image.js";
import { SHARED_BUNDLES } from "./cluster.js";

/** Packages the role cases install (ntp and chrony conflict: the ntp-style case uses ntpsec's ntp). */
export const ROLE_PACKAGES = [
  "ntp",
  "fail2ban",
  "unattended-upgrades",
  "git",
  "iptables",
  "containerd",
  "cron",
  "python3-debian",
  // Ansible's user target installs libuser for its local mode
  "libuser",
];
/**
 * What ansible-test's test hosts carry beyond this project's node image, put on both nodes of an
 * Ansible-target case before either engine runs (test/integration/ansible-targets.test.ts).
 */
export const TARGET_HOST_PACKAGES = ["acl", "file", "unzip", "zip", "xz-utils", "zstd", "bzip2"];
/** Where the repository is copied to on every fresh node. */
export const ROLE_REPO_TARGET = "/opt/local-apt";

function repoId(): string {
  const h = createHash("sha256")
    .update([...ROLE_PACKAGES, ...TARGET_HOST_PACKAGES].join(","))
    .update(nodeImageTag(["python3"]));
  return h.digest("hex").slice(0, 12);
}

/** The repository's folder (a flat repository: the .deb files and Packages). */
export function roleRepoDir(): string {
  return join(SHARED_BUNDLES, `role-repo-${repoId()}`);
}

/** Build the repository unless it is there. Needs root (apt-get in a private root) and the node image. */
export function ensureRoleRepo(log: (m: string) => void): string {
  const dir = roleRepoDir();
  if (existsSync(join(dir, "Packages"))) return dir;
  log(`building the fresh nodes' apt repository in ${dir}`);
  const work = `${dir}.partial`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const status = join(work, ".status");
  const cat = ["run", "--rm", "--network", "none", "--entrypoint", "cat", nodeImageTag(["python3"])];
  writeFileSync(status, execFileSync("docker", [...cat, "/var/lib/dpkg/status"], { maxBuffer: 64 << 20 }));
  downloadDebs({
    root: join(SHARED_BUNDLES, ".role-repo-apt"),
    sources: [],
    sourceFiles: hostAptSources(),
    arch: execFileSync("dpkg", ["--print-architecture"], { encoding: "utf8" }).trim(),
    packages: [...ROLE_PACKAGES, ...TARGET_HOST_PACKAGES],
    status,
    into: work,
    recommends: true,
  });
  rmSync(status);
  writeFileSync(join(work, "Packages"), packagesIndex(work));
  rmSync(dir, { recursive: true, force: true });
  renameSync(work, dir);
  return dir;
}
