// Owns `kplay bundle build` on the connected side: for each architecture, the file list
// downloaded into files/<host>/<path> (the URL kept as the path, a .sha256 beside each file as
// the nodes' get_url checks it), the image list pulled into images/ (an OCI layout, that
// architecture's platform only) and laid out again as registry/ (docker-registry's storage, what
// the bootstrap node serves), OS packages as a signed apt repository in repos/, a
// sha256sum.txt over everything, and one tarball per architecture: unpacked as the bootstrap
// node's bundle_dir, it is what deploy-cluster installs from. Re-running downloads only what changed upstream (ETag / Last-Modified asked
// with If-None-Match / If-Modified-Since) and sends no image blob twice.
import { sha256Hex } from "../hash.js";
import { redirectTarget } from "../net/redirect.js";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
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

/** (exported for tests) GET `url` into `file` unless the server says it has not changed since `meta`; verified and renamed into place. */
export function fetchFile(
  url: string,
  file: string,
  o: { meta?: Meta; ca?: Buffer[]; redirects?: number } = {},
): Promise<Meta | "unchanged"> {
  const { meta, ca, redirects = 5 } = o;
  const u = new URL(url);
  if (u.protocol === "file:") {
    // a local tree (a mirror on disk): changed when its content changed
    const src = fileURLToPath(u);
    if (!existsSync(src)) return Promise.reject(new KplayError("input", `${src}: no such file`));
    const data = readFileSync(src);
    const sum = sha256Hex(data);
    if (meta?.sha256 === sum && existsSync(file)) return Promise.resolve("unchanged");
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomic(file, data, statSync(src).mode & 0o777);
    return Promise.resolve({ url, sha256: sum });
  }
  const mod = u.protocol === "http:" ? http : https;
  const headers: Record<string, string> = { "user-agent": "kplay" };
  if (meta?.etag) headers["if-none-match"] = meta.etag;
  if (meta?.lastModified) headers["if-modified-since"] = meta.lastModified;
  return new Promise((resolve, reject) => {
    const req = mod.get(
      u,
      { headers, timeout: 120_000, ca: u.protocol === "https:" ? trustedCas(ca) : undefined },
      (res) => {
        const st = res.statusCode ?? 0;
        if ([301, 302, 303, 307, 308].includes(st) && res.headers.location && redirects > 0) {
          res.resume();
          try {
            // never to file: (a redirect must not pick a controller file into the bundle), never https -> http
            resolve(
              fetchFile(redirectTarget(u, res.headers.location).toString(), file, {
                meta,
                ca,
                redirects: redirects - 1,
              }),
            );
          } catch (e) {
            reject(e);
          }
          return;
        }
        if (st === 304) {
          res.resume();
          resolve("unchanged");
          return;
        }
        if (st !== 200) {
          res.resume();
          reject(new KplayError("host", `${url}: HTTP ${st}`));
          return;
        }
        mkdirSync(dirname(file), { recursive: true });
        const part = `${file}.part`;
        saveStream(res, part).then((sha256) => {
          renameSync(part, file);
          resolve({ url, etag: res.headers.etag, lastModified: res.headers["last-modified"], sha256 });
        }, reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${url}: no answer in 120 s`)));
    req.on("error", (e) => reject(new KplayError("host", `${url}: ${e.message}`)));
  });
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
  mkdirSync(o.out, { recursive: true });
  const fetched = new Map<string, string>();
  for (const arch of o.arches) {
    const root = join(o.out, arch);
    // ---- files
    for (const f of o.files.filter((e) => e.arch === arch)) {
      const rel = f.value.replace(/^https?:\/\//, "");
      const dest = join(root, "files", rel);
      const metaFile = `${dest}.kplay-meta.json`;
      const same = fetched.get(f.value);
      if (same && same !== dest) {
        // one URL for several architectures: downloaded once in this build
        mkdirSync(dirname(dest), { recursive: true });
        for (const sfx of ["", ".sha256", ".kplay-meta.json"]) copyFileSync(`${same}${sfx}`, `${dest}${sfx}`);
        continue;
      }
      const meta =
        existsSync(metaFile) && existsSync(dest) ? (JSON.parse(readFileSync(metaFile, "utf8")) as Meta) : undefined;
      const from = o.filesFrom ? `${o.filesFrom.replace(/\/+$/, "")}/${rel}` : f.value;
      const got = await fetchFile(from, dest, { meta: meta?.url === from ? meta : undefined, ca: o.ca });
      const sum = got === "unchanged" ? (meta?.sha256 ?? "") : got.sha256;
      if (f.sha256 && sum !== f.sha256) {
        // a file that is not upstream's goes nowhere near the bundle
        for (const sfx of ["", ".sha256", ".kplay-meta.json"]) rmSync(`${dest}${sfx}`, { force: true });
        throw new KplayError(
          "host",
          `${f.value} (${arch}): sha256 ${sum} is not the one upstream publishes (${f.sha256}, pinned as ${f.name}_checksum in playbooks/vars/download.yml); nothing of it was kept`,
        );
      }
      const pinned = f.sha256 ? "pinned sha256 matches" : "no pinned checksum";
      if (got === "unchanged") {
        res.unchanged++;
        o.log(`unchanged ${f.value} (${arch}, ${pinned})`);
      } else {
        res.downloaded++;
        res.bytes += readFileSync(dest).length;
        writeFileAtomic(`${dest}.sha256`, `${got.sha256}\n`);
        writeFileAtomic(metaFile, `${JSON.stringify(got)}\n`);
        o.log(`downloaded ${f.value} (${arch}) sha256 ${got.sha256} (${pinned})`);
      }
      fetched.set(f.value, dest);
    }
    // ---- images: this architecture's platform of each
    const layout = new OciLayout(join(root, "images"));
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
    // ---- the same images as registry storage, under the names nodes pull: PROJECT/<path>
    // (rewritten manifests) and <upstream host>/<path> (containerd's override_path mirrors)
    const stored = layoutToRegistryStore(layout.dir, join(root, "registry"), (ref) => {
      const r = parseRef(ref);
      const names = [`${o.project}/${mappedPath(r)}`];
      // a registry name with a port is not a valid repository path component
      if (!r.registry.includes(":")) names.push(mappedPath(r, { keepRegistry: true }));
      return names;
    });
    o.log(`registry storage (${arch}): ${stored.join(" ")}`);
    // ---- OS packages: a flat apt repository signed with the bundle key
    if (o.packages?.list.length) {
      const p = o.packages;
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
      res.packages += debs.length;
      const key = ensureSigningKey(p.keyDir);
      try {
        const index = packagesIndex(repoDir);
        if (
          !existsSync(join(repoDir, "InRelease")) ||
          !existsSync(join(repoDir, "Packages")) ||
          readFileSync(join(repoDir, "Packages"), "utf8") !== index
        )
          buildAptRepo(repoDir, key, `kplay bundle ${p.distro}-${arch}`);
      } finally {
        stopAgent(key.home);
      }
      for (const f of [join(root, "repos", "kplay-bundle.asc"), join(root, "keys", "kplay-bundle.asc")]) {
        mkdirSync(dirname(f), { recursive: true });
        writeFileAtomic(f, key.publicKey);
      }
      o.log(
        `packages (${arch}): ${debs.length} in repos/${p.distro}-${arch}: ${debs.map((d) => d.split("_")[0]).join(" ")}`,
      );
    }
    // ---- checksums and the tarball
    const sums = sha256Lines(
      root,
      (rel) =>
        rel === "sha256sum.txt" ||
        rel.endsWith(".kplay-meta.json") ||
        rel.endsWith(".part") ||
        rel.includes("/.kplay-transit-"),
    );
    const sumFile = join(root, "sha256sum.txt");
    const tarball = join(o.out, `kplay-bundle-${arch}.tar.gz`);
    const changed = !existsSync(sumFile) || readFileSync(sumFile, "utf8") !== sums || !existsSync(tarball);
    writeFileAtomic(sumFile, sums);
    writeFileAtomic(
      join(root, "bundle.json"),
      `${JSON.stringify({ arch, files: o.files.filter((e) => e.arch === arch).map((e) => e.value), images: o.images.filter((e) => e.arch === arch).map((e) => e.value) }, null, 2)}\n`,
    );
    if (o.tarballs !== false && changed) {
      const tmp = `${tarball}.part`;
      execFileSync("tar", [
        "-C",
        root,
        "--exclude=*.kplay-meta.json",
        "--exclude=*.part",
        "--exclude=.kplay-transit-*",
        "--owner=0",
        "--group=0",
        "-czf",
        tmp,
        ".",
      ]);
      renameSync(tmp, tarball);
      o.log(`wrote ${tarball}`);
    }
    if (o.tarballs !== false) res.tarballs.push(tarball);
  }
  if (o.tarballs !== false) {
    const lines = res.tarballs.map((t) => `${sha256Hex(readFileSync(t))}  ${t.slice(o.out.length + 1)}`);
    writeFileAtomic(join(o.out, "sha256sum.txt"), `${lines.join("\n")}\n`);
  }
  return res;
}
