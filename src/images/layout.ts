// Owns images kept in a directory as an OCI image layout (oci-layout, index.json, blobs/sha256/):
// the carry format between the connected side (`images mirror --to-dir`) and the air-gapped side
// (`images push --from-dir`). Blobs land under their final name only after their digest was
// verified, so an interrupted mirror resumes by skipping what is there; index.json is replaced
// atomically, one entry per image, named by its source reference.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { KplayError } from "../errors.js";
import { writeFileAtomic } from "../state/atomic.js";
import { MEDIA, sha256 } from "./registry.js";
import { makeDirs } from "../make-dirs.js";

export const REF_ANNOTATION = "org.opencontainers.image.ref.name";

export interface LayoutEntry {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export class OciLayout {
  private chain: Promise<void> = Promise.resolve();

  constructor(readonly dir: string) {}

  /** Create the layout's skeleton when missing. */
  init(): void {
    makeDirs(join(this.dir, "blobs", "sha256"));
    if (!existsSync(join(this.dir, "oci-layout")))
      writeFileAtomic(join(this.dir, "oci-layout"), `${JSON.stringify({ imageLayoutVersion: "1.0.0" })}\n`);
    if (!existsSync(join(this.dir, "index.json")))
      writeFileAtomic(
        join(this.dir, "index.json"),
        `${JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [] }, null, 2)}\n`,
      );
  }

  blobPath(digest: string): string {
    const [alg, hex] = digest.split(":");
    if (alg !== "sha256" || !/^[0-9a-f]{64}$/.test(hex ?? ""))
      throw new KplayError("input", `unsupported digest ${digest}`, { where: { file: this.dir } });
    return join(this.dir, "blobs", "sha256", hex);
  }

  hasBlob(digest: string, size?: number): boolean {
    const f = this.blobPath(digest);
    return existsSync(f) && (size === undefined || statSync(f).size === size);
  }

  /** A small blob (manifest, index) written under its digest. */
  putSmall(data: Buffer): string {
    const d = sha256(data);
    if (!this.hasBlob(d, data.length)) writeFileAtomic(this.blobPath(d), data);
    return d;
  }

  readBlob(digest: string): Buffer {
    const b = readFileSync(this.blobPath(digest));
    if (sha256(b) !== digest)
      throw new KplayError("state", `${this.blobPath(digest)} does not hash to ${digest}: the directory is damaged`);
    return b;
  }

  entries(): LayoutEntry[] {
    const f = join(this.dir, "index.json");
    if (!existsSync(f))
      throw new KplayError("input", "not an OCI image layout (no index.json)", { where: { file: this.dir } });
    try {
      return (JSON.parse(readFileSync(f, "utf8")) as { manifests?: LayoutEntry[] }).manifests ?? [];
    } catch (e) {
      throw new KplayError("input", `index.json is not valid JSON: ${(e as Error).message}`, { where: { file: f } });
    }
  }

  /** Record `entry` under its ref name (replacing an older entry of that name); serialised. */
  record(entry: LayoutEntry): Promise<void> {
    // one failed write must not stop the later ones from being recorded
    this.chain = this.chain
      .catch(() => undefined)
      .then(() => {
        const name = entry.annotations?.[REF_ANNOTATION];
        const list = this.entries().filter((e) => e.annotations?.[REF_ANNOTATION] !== name);
        list.push(entry);
        list.sort((a, b) =>
          (a.annotations?.[REF_ANNOTATION] ?? "").localeCompare(b.annotations?.[REF_ANNOTATION] ?? ""),
        );
        writeFileAtomic(
          join(this.dir, "index.json"),
          `${JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: list }, null, 2)}\n`,
        );
      });
    return this.chain;
  }
}
