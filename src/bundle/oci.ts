// Owns building small OCI images in memory (one gzip layer, config, manifest) and writing them
// into a registry storage tree — the layout the `docker-registry` (distribution) filesystem
// driver reads — so a bundle ships images ready to serve, with no push at install time; and
// converts an OCI layout (what kplay bundle build pulls into) into that storage.
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, linkSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { tar, type TarEntry } from "./tar.js";
import { makeDirs } from "../make-dirs.js";

export interface Blob {
  digest: string;
  data: Buffer;
  mediaType: string;
}

export interface OciImage {
  manifest: Blob;
  blobs: Blob[];
}

const blob = (data: Buffer, mediaType: string): Blob => ({
  digest: `sha256:${createHash("sha256").update(data).digest("hex")}`,
  data,
  mediaType,
});

export function buildImage(o: {
  arch: string;
  files: TarEntry[];
  entrypoint?: string[];
  cmd?: string[];
  created?: string;
}): OciImage {
  const layerTar = tar(o.files);
  const diffId = `sha256:${createHash("sha256").update(layerTar).digest("hex")}`;
  const layer = blob(gzipSync(layerTar, { level: 9 }), "application/vnd.oci.image.layer.v1.tar+gzip");
  const created = o.created ?? "1970-01-01T00:00:00Z";
  const config = blob(
    Buffer.from(
      JSON.stringify({
        created,
        architecture: o.arch,
        os: "linux",
        config: {
          Entrypoint: o.entrypoint,
          Cmd: o.cmd,
          Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        },
        rootfs: { type: "layers", diff_ids: [diffId] },
        history: [{ created, created_by: "kplay bundle" }],
      }),
    ),
    "application/vnd.oci.image.config.v1+json",
  );
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: config.mediaType, digest: config.digest, size: config.data.length },
        layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.data.length }],
      }),
    ),
    "application/vnd.oci.image.manifest.v1+json",
  );
  return { manifest, blobs: [config, layer] };
}

/** A multi-arch index over `children` (each with its platform). */
export function buildIndex(children: Array<{ image: OciImage; os: string; arch: string }>): Blob {
  return blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: children.map((c) => ({
          mediaType: c.image.manifest.mediaType,
          digest: c.image.manifest.digest,
          size: c.image.manifest.data.length,
          platform: { os: c.os, architecture: c.arch },
        })),
      }),
    ),
    "application/vnd.oci.image.index.v1+json",
  );
}

/** Write a multi-arch image (children untagged, the index as repository:tag) into registry storage. */
export function writeIndexToRegistryStore(
  root: string,
  at: { repository: string; tag: string },
  children: OciImage[],
  index: Blob,
): void {
  const { repository, tag } = at;
  for (const c of children) writeToRegistryStore(root, repository, undefined, c);
  writeToRegistryStore(root, repository, tag, { manifest: index, blobs: [] });
}

const hex = (d: string) => d.replace(/^sha256:/, "");
const put = (file: string, data: Buffer | string) => {
  makeDirs(dirname(file));
  writeFileSync(file, data);
};
const v2Of = (root: string) => join(root, "docker", "registry", "v2");
const blobData = (root: string, digest: string) =>
  join(v2Of(root), "blobs", "sha256", hex(digest).slice(0, 2), hex(digest), "data");

/** A repository's links in registry storage: its layers (and configs), its manifests, the tag to the last manifest. */
export function linkRepository(
  root: string,
  at: { repository: string; tag: string | undefined },
  digests: { manifests: string[]; layers: string[] },
): void {
  const { repository, tag } = at;
  const { manifests, layers } = digests;
  const repo = join(v2Of(root), "repositories", ...repository.split("/"));
  for (const d of layers) put(join(repo, "_layers", "sha256", hex(d), "link"), d);
  for (const m of manifests) put(join(repo, "_manifests", "revisions", "sha256", hex(m), "link"), m);
  const top = manifests[manifests.length - 1];
  if (tag === undefined || top === undefined) return;
  put(join(repo, "_manifests", "tags", tag, "current", "link"), top);
  put(join(repo, "_manifests", "tags", tag, "index", "sha256", hex(top), "link"), top);
}

/** Write `image` as repository:tag (untagged without a tag) into the registry storage rooted at `root` (idempotent). */
export function writeToRegistryStore(root: string, repository: string, tag: string | undefined, image: OciImage): void {
  for (const b of [...image.blobs, image.manifest]) {
    const f = blobData(root, b.digest);
    if (!existsSync(f)) put(f, b.data);
  }
  linkRepository(
    root,
    { repository, tag },
    { manifests: [image.manifest.digest], layers: image.blobs.map((b) => b.digest) },
  );
}

/**
 * The images of an OCI layout as registry storage (what docker-registry's filesystem driver
 * serves), each under every name `names` gives for its reference; blob files are hard-linked
 * (copied across file systems). Returns the repository:tag names written.
 */
export function layoutToRegistryStore(layoutDir: string, root: string, names: (ref: string) => string[]): string[] {
  const index = JSON.parse(readFileSync(join(layoutDir, "index.json"), "utf8")) as {
    manifests: Array<{ digest: string; annotations?: Record<string, string> }>;
  };
  const blobFile = (d: string) => join(layoutDir, "blobs", "sha256", hex(d));
  const place = (d: string) => {
    const f = blobData(root, d);
    if (existsSync(f)) return;
    makeDirs(dirname(f));
    try {
      linkSync(blobFile(d), f);
    } catch {
      copyFileSync(blobFile(d), f);
    }
  };
  const written: string[] = [];
  for (const e of index.manifests) {
    const ref = e.annotations?.["org.opencontainers.image.ref.name"];
    if (!ref) continue;
    const manifests: string[] = [];
    const layers: string[] = [];
    const walk = (d: string) => {
      place(d);
      const m = JSON.parse(readFileSync(blobFile(d), "utf8")) as {
        manifests?: Array<{ digest: string }>;
        config?: { digest: string };
        layers?: Array<{ digest: string }>;
      };
      for (const c of m.manifests ?? []) walk(c.digest);
      for (const b of [...(m.config ? [m.config] : []), ...(m.layers ?? [])]) {
        place(b.digest);
        layers.push(b.digest);
      }
      manifests.push(d);
    };
    walk(e.digest);
    const tag = /:([\w][\w.-]*)$/.exec(ref.replace(/@.*$/, ""))?.[1];
    for (const name of names(ref)) {
      linkRepository(root, { repository: name, tag }, { manifests, layers });
      written.push(`${name}${tag ? `:${tag}` : ""}`);
    }
  }
  return written;
}
