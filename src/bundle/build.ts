// Owns `kplay bundle build` on the connected side: for each architecture, the file list
// downloaded into files/<host>/<path> (the URL kept as the path, a .sha256 beside each file as
// the nodes' get_url checks it), the image list pulled into images/ (an OCI layout, that
// architecture's platform only) and laid out again as registry/ (docker-registry's storage, what
// the bootstrap node serves), OS packages as a signed apt repository in repos/, a
// sha256sum.txt over everything, and one tarball per architecture: unpacked as the bootstrap
// node's bundle_dir, it is what deploy-cluster installs from. The architecture's kplay release
// (npm run release) goes in as kplay/, so one tarball carries the installer too. Re-running downloads only what
// changed upstream (ETag / Last-Modified asked with If-None-Match / If-Modified-Since) and sends
// no image blob twice.
import { sha256File, sha256Hex } from "../hash.js";
import { redirectTarget } from "../net/redirect.js";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { metered, NO_METER, type TransferMeter } from "../report/transfers.js";
import { KplayError } from "../errors.js";
import { OciLayout } from "../images/layout.js";
import { Copier } from "../images/mirror.js";
import { mappedPath, parseRef } from "../images/reference.js";
import { saveStream, trustedCas, type RegistryClient } from "../images/registry.js";
import { writeFileAtomic } from "../state/atomic.js";
import { downloadDebs } from "./apt-download.js";
import { buildAptRepo, ensureSigningKey, packagesIndex, sha256Lines, stopAgent } from "./apt-repo.js";
import type { ListEntry } from "./lists.js";
import { layoutToRegistryStore } from "./oci.js";
import { makeDirs } from "../make-dirs.js";

export interface BuildOptions {
  out: string;
  arches: string[];
  files: ListEntry[];
  images: ListEntry[];
  client: RegistryClient;
  /** Extra CAs (PEM) for file downloads. */
  ca?: Buffer[];
  /** Fetch files from PREFIX/<host>/<path> instead of https://<host>/<path> (a local mirror). */
  filesFrom?: string;
  concurrency?: number;
  tarballs?: boolean;
  /** The internal registry's project: images are stored as PROJECT/<path> and as <upstream host>/<path>. */
  project: string;
  /** OS packages: resolved with their dependencies per architecture into repos/<distro>-<arch>, signed. */
  packages?: {
    list: string[];
    sources: string[];
    sourceFiles?: string[];
    status?: string;
    distro: string;
    caFile?: string;
    keyDir: string;
  };
  /** Where kplay's release tarballs are (kplay-VERSION-linux-ARCH.tar.gz), and which version to carry. */
  releases?: { dir: string; version: string };
  /** Progress of file downloads (image blobs report through the registry client's meter). */
  meter?: TransferMeter;
  log: (line: string) => void;
}

export interface BuildResult {
  downloaded: number;
  unchanged: number;
  bytes: number;
  images: number;
  blobsSent: number;
  packages: number;
  tarballs: string[];
}

interface Meta {
  url: string;
  etag?: string;
  lastModified?: string;
  sha256: string;
}

/**
 * (exported for tests) GET `url` into `file` unless the server says it has not changed since
 * `meta`; verified and renamed into place.
 */
export function fetchFile(
  url: string,
  file: string,
  o: { meta?: Meta; ca?: Buffer[]; redirects?: number; meter?: TransferMeter } = {},
): Promise<Meta | "unchanged"> {
  const { meta, ca } = o;
  const u = new URL(url);
  if (u.protocol === "file:") return fetchLocal(url, file, meta);
  const mod = u.protocol === "http:" ? http : https;
  const headers: Record<string, string> = { "user-agent": "kplay" };
  if (meta?.etag) headers["if-none-match"] = meta.etag;
  if (meta?.lastModified) headers["if-modified-since"] = meta.lastModified;
  return new Promise((resolve, reject) => {
    const tls = u.protocol === "https:" ? trustedCas(ca) : undefined;
    const req = mod.get(u, { headers, timeout: 120_000, ca: tls }, (res) =>
      onResponse(res, { href: url, url: u, file, o }).then(resolve, reject),
    );
    req.on("timeout", () => req.destroy(new Error(`${url}: no answer in 120 s`)));
    req.on("error", (e) => reject(new KplayError("host", `${url}: ${e.message}`)));
  });
}

/** A local tree (a mirror on disk): changed when its content changed. */
async function fetchLocal(url: string, file: string, meta: Meta | undefined): Promise<Meta | "unchanged"> {
  const src = fileURLToPath(new URL(url));
  if (!existsSync(src)) throw new KplayError("input", `${src}: no such file`);
  const data = readFileSync(src);
  const sum = sha256Hex(data);
  if (meta?.sha256 === sum && existsSync(file)) return "unchanged";
  makeDirs(dirname(file));
  writeFileAtomic(file, data, statSync(src).mode & 0o777);
  return { url, sha256: sum };
}

async function onResponse(
  res: http.IncomingMessage,
  r: {
    href: string;
    url: URL;
    file: string;
    o: { meta?: Meta; ca?: Buffer[]; redirects?: number; meter?: TransferMeter };
  },
): Promise<Meta | "unchanged"> {
  const st = res.statusCode ?? 0;
  const redirects = r.o.redirects ?? 5;
  if ([301, 302, 303, 307, 308].includes(st) && res.headers.location && redirects > 0) {
    res.resume();
    // never to file: (a redirect must not pick a controller file into the bundle), never https -> http
    const next = redirectTarget(r.url, res.headers.location).toString();
    return fetchFile(next, r.file, { ...r.o, redirects: redirects - 1 });
  }
  if (st === 304 || st !== 200) {
    res.resume();
    if (st === 304) return "unchanged";
    throw new KplayError("host", `${r.href}: HTTP ${st}`);
  }
  makeDirs(dirname(r.file));
  const part = `${r.file}.part`;
  const t = (r.o.meter ?? NO_METER).start(r.href, Number(res.headers["content-length"]) || undefined);
  const sha256 = await metered(t, () => saveStream(res, part, (n) => t.add(n)));
  renameSync(part, r.file);
  return { url: r.href, etag: res.headers.etag, lastModified: res.headers["last-modified"], sha256 };
}

export async function buildBundle(o: BuildOptions): Promise<BuildResult> {
  const res: BuildResult = {
    downloaded: 0,
    unchanged: 0,
    bytes: 0,
    images: 0,
    blobsSent: 0,
    packages: 0,
    tarballs: [],
  };
  makeDirs(o.out);
  const fetched = new Map<string, string>();
  for (const arch of o.arches) {
    const a: ArchBuild = { o, res, arch, root: join(o.out, arch) };
    for (const f of o.files.filter((e) => e.arch === arch)) await bundleFile(a, f, fetched);
    const layout = await bundleImages(a);
    registryStore(a, layout);
    if (o.packages?.list.length) bundlePackages(a, o.packages);
    if (o.releases) bundleRelease(a, o.releases);
    checksumsAndTarball(a);
  }
  if (o.tarballs !== false) {
    const lines = res.tarballs.map((t) => `${sha256File(t)}  ${t.slice(o.out.length + 1)}`);
    writeFileAtomic(join(o.out, "sha256sum.txt"), `${lines.join("\n")}\n`);
  }
  return res;
}

/** One architecture's part of a build. */
interface ArchBuild {
  o: BuildOptions;
  res: BuildResult;
  arch: string;
  root: string;
}

type Entry = BuildOptions["files"][number];

/** One file: fetched (or found unchanged, or copied from another architecture's), checked against its pin. */
async function bundleFile(a: ArchBuild, f: Entry, fetched: Map<string, string>): Promise<void> {
  const { o, res, arch } = a;
  const rel = f.value.replace(/^https?:\/\//, "");
  const dest = join(a.root, "files", rel);
  const metaFile = `${dest}.kplay-meta.json`;
  const same = fetched.get(f.value);
  if (same && same !== dest) {
    // one URL for several architectures: downloaded once in this build
    makeDirs(dirname(dest));
    for (const sfx of ["", ".sha256", ".kplay-meta.json"]) copyFileSync(`${same}${sfx}`, `${dest}${sfx}`);
    return;
  }
  const meta =
    existsSync(metaFile) && existsSync(dest) ? (JSON.parse(readFileSync(metaFile, "utf8")) as Meta) : undefined;
  const from = o.filesFrom ? `${o.filesFrom.replace(/\/+$/, "")}/${rel}` : f.value;
  const got = await fetchFile(from, dest, { meta: meta?.url === from ? meta : undefined, ca: o.ca, meter: o.meter });
  const sum = got === "unchanged" ? (meta?.sha256 ?? "") : got.sha256;
  if (f.sha256 && sum !== f.sha256) {
    // a file that is not upstream's goes nowhere near the bundle
    for (const sfx of ["", ".sha256", ".kplay-meta.json"]) rmSync(`${dest}${sfx}`, { force: true });
    throw new KplayError(
      "host",
      `${f.value} (${arch}): sha256 ${sum} is not the one upstream publishes ` +
        `(${f.sha256}, pinned as ${f.name}_checksum in playbooks/vars/download.yml); nothing of it was kept`,
    );
  }
  const pinned = f.sha256 ? "pinned sha256 matches" : "no pinned checksum";
  if (got === "unchanged") {
    res.unchanged++;
    o.log(`unchanged ${f.value} (${arch}, ${pinned})`);
  } else {
    res.downloaded++;
    res.bytes += statSync(dest).size;
    writeFileAtomic(`${dest}.sha256`, `${got.sha256}\n`);
    writeFileAtomic(metaFile, `${JSON.stringify(got)}\n`);
    o.log(`downloaded ${f.value} (${arch}) sha256 ${got.sha256} (${pinned})`);
  }
  fetched.set(f.value, dest);
}

/** This architecture's platform of each image, into an OCI layout. */
async function bundleImages(a: ArchBuild): Promise<OciLayout> {
  const { o, res, arch } = a;
  const layout = new OciLayout(join(a.root, "images"));
  layout.init();
  const copier = new Copier(
    { kind: "registry", client: o.client },
    { kind: "dir", layout },
    { platforms: [`linux/${arch}`], concurrency: o.concurrency ?? 5 },
  );
  try {
    for (const img of o.images.filter((e) => e.arch === arch)) {
      const ref = parseRef(img.value);
      const r = await copier.copy({ src: ref, dst: ref });
      res.images++;
      res.blobsSent += r.sent;
      o.log(`image ${r.src} (${arch}) ${r.digest}: ${r.sent} blob(s) fetched, ${r.present} present`);
    }
  } finally {
    copier.dispose();
  }
  return layout;
}

/**
 * The same images as registry storage, under the names nodes pull: PROJECT/<path> (rewritten
 * manifests) and <upstream host>/<path> (containerd's override_path mirrors).
 */
function registryStore(a: ArchBuild, layout: OciLayout): void {
  const stored = layoutToRegistryStore(layout.dir, join(a.root, "registry"), (ref) => {
    const r = parseRef(ref);
    const names = [`${a.o.project}/${mappedPath(r)}`];
    // a registry name with a port is not a valid repository path component
    if (!r.registry.includes(":")) names.push(mappedPath(r, { keepRegistry: true }));
    return names;
  });
  a.o.log(`registry storage (${a.arch}): ${stored.join(" ")}`);
}

/** OS packages: a flat apt repository signed with the bundle key. */
function bundlePackages(a: ArchBuild, p: NonNullable<BuildOptions["packages"]>): void {
  const { o, arch, root } = a;
  const repoDir = join(root, "repos", `${p.distro}-${arch}`);
  const debs = downloadDebs({
    root: join(o.out, `.apt-${arch}`),
    sources: p.sources,
    sourceFiles: p.sourceFiles,
    arch,
    packages: p.list,
    status: p.status,
    caFile: p.caFile,
    into: repoDir,
  });
  a.res.packages += debs.length;
  const key = ensureSigningKey(p.keyDir);
  try {
    const index = packagesIndex(repoDir);
    const packages = join(repoDir, "Packages");
    const current =
      existsSync(join(repoDir, "InRelease")) && existsSync(packages) && readFileSync(packages, "utf8") === index;
    if (!current) buildAptRepo(repoDir, key, `kplay bundle ${p.distro}-${arch}`);
  } finally {
    stopAgent(key.home);
  }
  for (const f of [join(root, "repos", "kplay-bundle.asc"), join(root, "keys", "kplay-bundle.asc")]) {
    makeDirs(dirname(f));
    writeFileAtomic(f, key.publicKey);
  }
  const names = debs.map((d) => d.split("_")[0]).join(" ");
  o.log(`packages (${arch}): ${debs.length} in repos/${p.distro}-${arch}: ${names}`);
}

/**
 * kplay's release for the architecture into kplay/ (checked against its .sha256 first), replacing
 * any other version there; without one the bundle still builds, and the log says it carries no kplay.
 */
function bundleRelease(a: ArchBuild, r: { dir: string; version: string }): void {
  const name = `kplay-${r.version}-linux-${a.arch}.tar.gz`;
  const from = join(r.dir, name);
  const dest = join(a.root, "kplay");
  if (!existsSync(from)) {
    a.o.log(`kplay release (${a.arch}): no ${name} in ${r.dir}: this bundle carries no kplay (run npm run release)`);
    return;
  }
  const sum = sha256File(from);
  const listed = existsSync(`${from}.sha256`) ? readFileSync(`${from}.sha256`, "utf8").split(/\s+/)[0] : undefined;
  if (listed !== sum)
    throw new KplayError("input", `${from}: sha256 ${sum} does not match ${from}.sha256 (${listed ?? "missing"})`);
  rmSync(dest, { recursive: true, force: true });
  makeDirs(dest);
  copyFileSync(from, join(dest, name));
  copyFileSync(`${from}.sha256`, join(dest, `${name}.sha256`));
  a.o.log(`kplay release (${a.arch}): kplay/${name}`);
}

/** sha256sum.txt and bundle.json of the architecture, and its tarball when anything in it changed. */
function checksumsAndTarball(a: ArchBuild): void {
  const { o, arch, root } = a;
  const skip = (rel: string) =>
    rel === "sha256sum.txt" ||
    rel.endsWith(".kplay-meta.json") ||
    rel.endsWith(".part") ||
    rel.includes("/.kplay-transit-");
  const sums = sha256Lines(root, skip);
  const sumFile = join(root, "sha256sum.txt");
  const tarball = join(o.out, `kplay-bundle-${arch}.tar.gz`);
  const changed = !existsSync(sumFile) || readFileSync(sumFile, "utf8") !== sums || !existsSync(tarball);
  writeFileAtomic(sumFile, sums);
  const of = (list: Entry[]) => list.filter((e) => e.arch === arch).map((e) => e.value);
  const manifest = { arch, files: of(o.files), images: of(o.images) };
  writeFileAtomic(join(root, "bundle.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  if (o.tarballs === false) return;
  if (changed) {
    const tmp = `${tarball}.part`;
    const excludes = ["--exclude=*.kplay-meta.json", "--exclude=*.part", "--exclude=.kplay-transit-*"];
    execFileSync("tar", ["-C", root, ...excludes, "--owner=0", "--group=0", "-czf", tmp, "."]);
    renameSync(tmp, tarball);
    o.log(`wrote ${tarball}`);
  }
  a.res.tarballs.push(tarball);
}
