// Owns copying images between a registry and a registry, a registry and an OCI layout directory,
// or a directory and a registry: manifests (multi-arch indexes whole, or only the platforms
// asked for), then every blob the target lacks (HEAD first, a mount when another repository of
// the same registry already holds it, else a verified download and a chunked upload), then the
// manifests, children before the index. Re-running skips what the target already has, so an
// interrupted copy resumes without sending finished blobs again.
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import PQueue from "p-queue";
import { KplayError } from "../errors.js";
import { OciLayout, REF_ANNOTATION } from "./layout.js";
import { formatRef, type ImageRef } from "./reference.js";
import { isIndex, sha256, type RegistryClient } from "./registry.js";

export type Endpoint = { kind: "registry"; client: RegistryClient } | { kind: "dir"; layout: OciLayout };

export interface CopyJob {
  /** Where the image is read: a registry reference, or (from a directory) its recorded name. */
  src: ImageRef;
  dst: ImageRef;
}

export interface CopyResult {
  src: string;
  dst: string;
  digest: string;
  manifests: number;
  blobs: number;
  /** Blobs the target already had (skipped) or got by mount. */
  present: number;
  mounted: number;
  sent: number;
  bytesSent: number;
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
}

interface Manifest {
  mediaType: string;
  digest: string;
  body: Buffer;
}

export interface CopyOptions {
  /** Platforms to keep from a multi-arch index ("linux/amd64", "linux/arm64/v8"); all when empty. */
  platforms?: string[];
  concurrency?: number;
  /** Directory for blobs in transit between two registries. */
  workDir?: string;
}

const platformOf = (d: Descriptor): string =>
  [d.platform?.os, d.platform?.architecture, d.platform?.variant].filter(Boolean).join("/");

export class Copier {
  private readonly blobs: PQueue;
  /** host -> digest -> repository known to hold it (for mounts) */
  private readonly held = new Map<string, Map<string, string>>();
  private readonly inflight = new Map<string, Promise<"present" | "mounted" | "sent">>();
  /** host@digest -> the upload of that blob to some repository of that registry */
  private readonly uploading = new Map<string, Promise<unknown>>();
  private seq = 0;
  private readonly work: string;

  constructor(
    private readonly from: Endpoint,
    private readonly to: Endpoint,
    private readonly o: CopyOptions = {},
  ) {
    this.blobs = new PQueue({ concurrency: o.concurrency ?? 5 });
    this.work = mkdtempSync(join(o.workDir ?? (to.kind === "dir" ? to.layout.dir : "/tmp"), ".kplay-transit-"));
  }

  dispose(): void {
    rmSync(this.work, { recursive: true, force: true });
  }

  private async readManifest(ref: ImageRef, reference: string): Promise<Manifest> {
    if (this.from.kind === "registry") return this.from.client.getManifest(ref.registry, ref.path, reference);
    const layout = this.from.layout;
    if (reference.startsWith("sha256:")) {
      const body = layout.readBlob(reference);
      return {
        mediaType: (JSON.parse(body.toString("utf8")) as { mediaType?: string }).mediaType ?? "",
        digest: reference,
        body,
      };
    }
    const name = formatRef(ref);
    const e = layout.entries().find((x) => x.annotations?.[REF_ANNOTATION] === name);
    if (!e) throw new KplayError("input", `${name} is not in ${layout.dir} (see its index.json)`);
    return { mediaType: e.mediaType, digest: e.digest, body: layout.readBlob(e.digest) };
  }

  /** Copy one image; returns what was done. */
  async copy(job: CopyJob): Promise<CopyResult> {
    const res: CopyResult = {
      src: formatRef(job.src),
      dst: formatRef(job.dst),
      digest: "",
      manifests: 0,
      blobs: 0,
      present: 0,
      mounted: 0,
      sent: 0,
      bytesSent: 0,
    };
    const top = await this.readManifest(job.src, job.src.digest ?? job.src.tag ?? "latest");
    let body = top.body;
    let mediaType = top.mediaType;
    if (isIndex(mediaType)) {
      const index = JSON.parse(body.toString("utf8")) as { manifests: Descriptor[] };
      let children = index.manifests;
      const want = this.o.platforms ?? [];
      if (want.length) {
        children = children.filter((d) => want.some((p) => platformOf(d) === p || platformOf(d).startsWith(`${p}/`)));
        if (!children.length)
          throw new KplayError(
            "host",
            `${res.src} has none of the platforms ${want.join(", ")} ` +
              `(it has ${index.manifests.map(platformOf).join(", ")})`,
          );
        if (children.length !== index.manifests.length)
          body = Buffer.from(JSON.stringify({ ...index, manifests: children }));
      }
      for (const child of children) {
        const m = await this.readManifest(job.src, child.digest);
        await this.copyBlobsOf(job, m, res);
        await this.putManifest(job.dst, child.digest, { mediaType: m.mediaType || child.mediaType, body: m.body });
        res.manifests++;
      }
    } else {
      await this.copyBlobsOf(job, top, res);
      mediaType = top.mediaType;
    }
    const digest = await this.putManifest(
      job.dst,
      job.dst.digest ?? job.dst.tag ?? "latest",
      { mediaType, body },
      true,
    );
    res.manifests++;
    res.digest = digest;
    return res;
  }

  private async copyBlobsOf(job: CopyJob, m: Manifest, res: CopyResult): Promise<void> {
    const doc = JSON.parse(m.body.toString("utf8")) as {
      config?: Descriptor;
      layers?: Descriptor[];
      fsLayers?: unknown;
    };
    if (doc.fsLayers)
      throw new KplayError(
        "host",
        `${res.src}: schema 1 manifests are not supported (registries deprecated them in 2017)`,
      );
    const list = [...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])];
    const outcomes = await Promise.all(
      list.map(
        (d) =>
          this.blobs.add(() => this.copyBlob(job, d)) as Promise<{ how: "present" | "mounted" | "sent"; size: number }>,
      ),
    );
    for (const o of outcomes) {
      res.blobs++;
      if (o.how === "present") res.present++;
      else if (o.how === "mounted") res.mounted++;
      else {
        res.sent++;
        res.bytesSent += o.size;
      }
    }
  }

  private async copyBlob(job: CopyJob, d: Descriptor): Promise<{ how: "present" | "mounted" | "sent"; size: number }> {
    const key = this.to.kind === "dir" ? d.digest : `${job.dst.registry}/${job.dst.path}@${d.digest}`;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.transfer(job, d);
      this.inflight.set(key, p);
      p.catch(() => this.inflight.delete(key));
    } else if ((await p) === "sent") return { how: "present", size: d.size };
    return { how: await p, size: d.size };
  }

  private async transfer(job: CopyJob, d: Descriptor): Promise<"present" | "mounted" | "sent"> {
    if (this.to.kind === "dir") {
      const layout = this.to.layout;
      if (layout.hasBlob(d.digest, d.size)) return "present";
      if (this.from.kind === "registry")
        await this.from.client.fetchBlob(job.src.registry, job.src.path, d.digest, layout.blobPath(d.digest));
      else throw new KplayError("usage", "copying from a directory to a directory is not supported");
      return "sent";
    }
    const c = this.to.client;
    const host = job.dst.registry;
    // The same blob on its way to another repository of this registry: let it land, then mount it.
    const other = this.uploading.get(`${host}@${d.digest}`);
    if (other) await other.catch(() => undefined);
    const mine = this.upload(job, d, c);
    if (!other) {
      this.uploading.set(`${host}@${d.digest}`, mine);
      mine.catch(() => undefined).finally(() => this.uploading.delete(`${host}@${d.digest}`));
    }
    return mine;
  }

  private async upload(job: CopyJob, d: Descriptor, c: RegistryClient): Promise<"present" | "mounted" | "sent"> {
    const { registry: host, path: repo } = job.dst;
    if (await c.hasBlob(host, repo, d.digest)) {
      this.remember(host, d.digest, repo);
      return "present";
    }
    const other = this.held.get(host)?.get(d.digest);
    if (other && other !== repo && (await c.mountBlob(host, repo, d.digest, other))) {
      this.remember(host, d.digest, repo);
      return "mounted";
    }
    if (this.from.kind === "dir") {
      if (!this.from.layout.hasBlob(d.digest, d.size))
        throw new KplayError(
          "input",
          `${this.from.layout.dir} lacks blob ${d.digest} of ${formatRef(job.src)} (mirror it again)`,
        );
      await c.pushBlob(host, repo, d.digest, this.from.layout.blobPath(d.digest));
    } else {
      const tmp = join(this.work, `${d.digest.replace(":", "-")}-${++this.seq}`);
      try {
        await this.from.client.fetchBlob(job.src.registry, job.src.path, d.digest, tmp);
        await c.pushBlob(host, repo, d.digest, tmp);
      } finally {
        rmSync(tmp, { force: true });
      }
    }
    this.remember(host, d.digest, repo);
    return "sent";
  }

  private remember(host: string, digest: string, repo: string): void {
    let m = this.held.get(host);
    if (!m) this.held.set(host, (m = new Map()));
    if (!m.has(digest)) m.set(digest, repo);
  }

  /** Put a manifest unless the target has it already under that reference; returns its digest. */
  private async putManifest(
    dst: ImageRef,
    reference: string,
    m: { mediaType: string; body: Buffer },
    top = false,
  ): Promise<string> {
    const { mediaType, body } = m;
    if (this.to.kind === "dir") {
      const digest = this.to.layout.putSmall(body);
      if (top)
        await this.to.layout.record({
          mediaType,
          digest,
          size: body.length,
          annotations: { [REF_ANNOTATION]: formatRef(dst) },
        });
      return digest;
    }
    const digest = sha256(body);
    const have = await this.to.client.hasManifest(dst.registry, dst.path, reference);
    if (have !== digest) await this.to.client.putManifest(dst.registry, dst.path, reference, { mediaType, body });
    return digest;
  }
}
