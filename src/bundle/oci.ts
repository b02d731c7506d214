// Owns building small OCI images in memory (one gzip layer, config, manifest) and writing them
// into a registry storage tree — the layout the `docker-registry` (distribution) filesystem
// driver reads — so a bundle ships images ready to serve, with no push at install time.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { tar, type TarEntry } from "./tar.js";

export interface Blob {
  digest: string;
  data: Buffer;
  mediaType: string;
}

export interface OciImage {
  manifest: Blob;
  blobs: Blob[];
}

const blob = (data: Buffer, mediaType: string): Blob => ({ digest: `sha256:${createHash("sha256").update(data).digest("hex")}`, data, mediaType });

export function buildImage(o: { arch: string; files: TarEntry[]; entrypoint?: string[]; cmd?: string[]; created?: string }): OciImage {
  const layerTar = tar(o.files);
  const diffId = `sha256:${createHash("sha256").update(layerTar).digest("hex")}`;
  const layer = blob(gzipSync(layerTar, { level: 9 }), "application/vnd.oci.image.layer.v1.tar+gzip");
  const created = o.created ?? "1970-01-01T00:00:00Z";
  const config = blob(
    Buffer.from(JSON.stringify({ created, architecture: o.arch, os: "linux", config: { Entrypoint: o.entrypoint, Cmd: o.cmd, Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] }, rootfs: { type: "layers", diff_ids: [diffId] }, history: [{ created, created_by: "kplay bundle" }] })),
    "application/vnd.oci.image.config.v1+json",
  );
  const manifest = blob(
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { mediaType: config.mediaType, digest: config.digest, size: config.data.length }, layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.data.length }] })),
    "application/vnd.oci.image.manifest.v1+json",
  );
  return { manifest, blobs: [config, layer] };
}

/** A multi-arch index over `children` (each with its platform). */
export function buildIndex(children: Array<{ image: OciImage; os: string; arch: string }>): Blob {
  return blob(
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: children.map((c) => ({ mediaType: c.image.manifest.mediaType, digest: c.image.manifest.digest, size: c.image.manifest.data.length, platform: { os: c.os, architecture: c.arch } })) })),
    "application/vnd.oci.image.index.v1+json",
  );
}

/** Write a multi-arch image (children untagged, the index as repository:tag) into registry storage. */
export function writeIndexToRegistryStore(root: string, repository: string, tag: string, children: OciImage[], index: Blob): void {
  for (const c of children) writeToRegistryStore(root, repository, undefined, c);
  writeToRegistryStore(root, repository, tag, { manifest: index, blobs: [] });
}

/** Write `image` as repository:tag (untagged without a tag) into the registry storage rooted at `root` (idempotent). */
export function writeToRegistryStore(root: string, repository: string, tag: string | undefined, image: OciImage): void {
  const v2 = join(root, "docker", "registry", "v2");
  const hex = (d: string) => d.replace(/^sha256:/, "");
  const put = (file: string, data: Buffer | string) => {
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, data);
  };
  for (const b of [...image.blobs, image.manifest]) {
    const f = join(v2, "blobs", "sha256", hex(b.digest).slice(0, 2), hex(b.digest), "data");
    if (!existsSync(f)) put(f, b.data);
  }
  const repo = join(v2, "repositories", ...repository.split("/"));
  for (const b of image.blobs) put(join(repo, "_layers", "sha256", hex(b.digest), "link"), b.digest);
  const m = image.manifest.digest;
  put(join(repo, "_manifests", "revisions", "sha256", hex(m), "link"), m);
  if (tag === undefined) return;
  put(join(repo, "_manifests", "tags", tag, "current", "link"), m);
  put(join(repo, "_manifests", "tags", tag, "index", "sha256", hex(m), "link"), m);
}
