// Owns `kplay images mirror` (connected side: registry -> directory, or registry -> registry)
// and `kplay images push` (air-gapped side: directory -> registry): which images, where each
// goes (mapping file, else PROJECT/<path>), credentials, CAs, concurrency, and one line per image.
import { TransferView } from "../report/transfers.js";
import { OPTIONS, positiveInt, registryClient, stateRegistryAccess, type Values } from "./registry-options.js";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { forEachLimited } from "../concurrency.js";
import { KplayError } from "../errors.js";
import { OciLayout, REF_ANNOTATION } from "../images/layout.js";
import { Copier, type CopyJob, type CopyResult, type Endpoint } from "../images/mirror.js";
import { formatRef, parseRef, ReferenceError, retarget, type ImageRef } from "../images/reference.js";
import { parse, stateDir, type Common } from "./options.js";

const SHARED = `Which images (one of):
  IMAGE...                 references on the command line
      --images FILE        one reference per line, # comments (e.g. the output of kplay images list)
      --mapping FILE       lines "SRC DEST"; DEST is PATH[:TAG] in the target registry or a full
                           reference; a line with SRC only goes to the default place
Where each goes (registry targets): PROJECT/<upstream path>, Docker Hub's library/ dropped:
  docker.io/calico/node:v3.26.4 -> HOST/library/calico/node:v3.26.4
      --project P          the project (default library)
      --keep-registry-path keep the upstream host in the path (HOST/library/registry.k8s.io/pause:3.9):
                           the layout containerd's override_path mirrors read
Options:
      --platform P[,P]     keep only these platforms of a multi-arch image, e.g. linux/amd64
                           (the index is rewritten, so its digest changes); default: all
      --concurrency N      blobs in flight at once (default 5)
      --chunk-size BYTES   upload chunk size (default 8388608)
      --auth-file FILE     docker config.json or Kubernetes pull secret (default: REGISTRY_AUTH_FILE,
                           DOCKER_CONFIG/config.json or ~/.docker/config.json when present)
      --username U         user for the target registry, password read from standard input
      --password-stdin     (with --username) read the password from standard input
      --ca-file FILE       an extra CA certificate (PEM) to trust, repeatable
      --plain-http HOST    speak plain HTTP to HOST (a loopback test registry), repeatable
      --json               one JSON object per image
  -h, --help               this help
Re-running resumes: blobs the target already has are not sent again. Exit 1 when an image failed.`;

export const MIRROR_HELP = `\
Usage: kplay images mirror (IMAGE... | --images FILE | --mapping FILE) (--to-dir DIR | --to HOST[:PORT]) [options]

Copy images from their registries into DIR, an OCI image layout to carry into the air-gapped
network (each image named there by its source reference; every blob verified against its
digest), or straight into another registry.

${SHARED}`;

export const PUSH_HELP = `\
Usage: kplay images push --from-dir DIR --registry HOST[:PORT] [IMAGE... | --images FILE | --mapping FILE] [options]

Push the images of DIR (written by kplay images mirror --to-dir) into the registry; all of them
unless some are named. Into the cluster's bootstrap registry: give the cluster (-c CONFIG,
--sandbox or --state-dir DIR) and kplay uses the push credentials and the CA it made there
(STATE/pki/registry-auth.json, ca.crt); without credentials that registry refuses pushes (401).

${SHARED}`;

interface Wanted {
  src: ImageRef;
  /** from the mapping file: PATH[:TAG] or a full reference */
  dest?: string;
}

function refOrError(text: string, file?: string, line?: number): ImageRef {
  try {
    return parseRef(text);
  } catch (e) {
    if (e instanceof ReferenceError)
      throw new KplayError(file ? "input" : "usage", e.message, { where: { file, line } });
    throw e;
  }
}

function readLines(file: string): Array<{ line: number; words: string[] }> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new KplayError("input", "cannot read the file", { where: { file } });
  }
  return text
    .split("\n")
    .map((l, i) => ({
      line: i + 1,
      words: l
        .replace(/#.*/, "")
        .trim()
        .split(/\s+/)
        .filter((w) => w && w !== "->" && w !== "=>"),
    }))
    .filter((l) => l.words.length);
}

function wanted(v: Values, positionals: string[]): Wanted[] {
  const out: Wanted[] = positionals.map((p) => ({ src: refOrError(p) }));
  if (v.images)
    for (const l of readLines(v.images)) {
      if (l.words.length > 1)
        throw new KplayError("input", `one image per line (got "${l.words.join(" ")}"); a mapping goes in --mapping`, {
          where: { file: v.images, line: l.line },
        });
      out.push({ src: refOrError(l.words[0], v.images, l.line) });
    }
  if (v.mapping)
    for (const l of readLines(v.mapping)) {
      if (l.words.length > 2)
        throw new KplayError("input", `expected "SRC DEST" (got ${l.words.length} words)`, {
          where: { file: v.mapping, line: l.line },
        });
      if (l.words[1]) refOrError(l.words[1], v.mapping, l.line);
      out.push({ src: refOrError(l.words[0], v.mapping, l.line), dest: l.words[1] });
    }
  const seen = new Set<string>();
  return out.filter((w) => {
    const k = formatRef(w.src);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Where `w` goes in `registry`: the mapping's DEST, else PROJECT/<path>, tag/digest kept. */
function destination(w: Wanted, registry: string, v: Values): ImageRef {
  if (w.dest) {
    const first = w.dest.split("/")[0];
    const full = w.dest.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
    const r = parseRef(full ? w.dest : `${registry}/${w.dest}`);
    return { ...r, tag: r.tag ?? w.src.tag, digest: r.tag ? r.digest : (r.digest ?? w.src.digest) };
  }
  return retarget(w.src, `${registry}/${v.project ?? "library"}`, { keepRegistry: v["keep-registry-path"] });
}

function checkRegistry(r: string, flag: string): string {
  const h = r.replace(/\/+$/, "");
  if (!/^([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:]+\])(:\d+)?$/i.test(h)) {
    throw new KplayError("usage", `${flag} ${r}: expected HOST[:PORT] (the project goes in --project)`);
  }
  return h;
}

const human = (n: number): string =>
  n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;

/** A copy run: jobs from one endpoint to another, what it is called ("mirrored", "pushed") and where to. */
interface CopyRun {
  jobs: CopyJob[];
  from: Endpoint;
  to: Endpoint;
  verb: string;
  where: string;
  /** Transfer progress; the command's lines go through it so a live block stays below them. */
  view: TransferView;
}

interface Totals {
  sent: number;
  bytes: number;
  present: number;
  mounted: number;
  failed: number;
}

function platformsOption(v: Values): string[] {
  const platforms = (v.platform ?? [])
    .flatMap((p) => p.split(","))
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of platforms)
    if (!/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(p))
      throw new KplayError("usage", `--platform ${p}: expected OS/ARCH[/VARIANT] such as linux/arm64`);
  return platforms;
}

/** The numbers and platforms a copy takes, checked before any registry or directory is touched. */
function checkCopyFlags(v: Values): void {
  positiveInt(v.concurrency, "concurrency", 5);
  positiveInt(v["chunk-size"], "chunk-size", 8 << 20);
  platformsOption(v);
}

async function runJobs(c: CopyRun, v: Values): Promise<number> {
  const concurrency = positiveInt(v.concurrency, "concurrency", 5);
  const copier = new Copier(c.from, c.to, { platforms: platformsOption(v), concurrency });
  const totals: Totals = { sent: 0, bytes: 0, present: 0, mounted: 0, failed: 0 };
  const t0 = Date.now();
  try {
    await forEachLimited(c.jobs, concurrency, (job) => copyOne(copier, job, { c, v, totals }));
  } finally {
    c.view.close();
    copier.dispose();
    if (c.from.kind === "registry") c.from.client.close();
    const shared = c.from.kind === "registry" ? c.from.client : undefined;
    if (c.to.kind === "registry" && c.to.client !== shared) c.to.client.close();
  }
  const { failed } = totals;
  if (v.json) {
    const { sent: blobsSent, bytes: bytesSent, present, mounted } = totals;
    const summary = { event: "summary", images: c.jobs.length, failed, blobsSent, bytesSent, present, mounted };
    console.log(JSON.stringify(summary));
  } else
    process.stderr.write(
      `${c.jobs.length - failed} of ${c.jobs.length} image(s) ${c.verb}, ${totals.sent} blob(s) sent ` +
        `(${human(totals.bytes)}), ${totals.present} already present, ${totals.mounted} mounted, ` +
        `${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
    );
  return failed ? 1 : 0;
}

/** Copy one image, print its line (or JSON event) and add it to the totals; a failure is counted, not thrown. */
async function copyOne(copier: Copier, job: CopyJob, o: { c: CopyRun; v: Values; totals: Totals }): Promise<void> {
  const { c, v, totals } = o;
  try {
    const r: CopyResult = await copier.copy(job);
    totals.sent += r.sent;
    totals.bytes += r.bytesSent;
    totals.present += r.present;
    totals.mounted += r.mounted;
    if (v.json) return console.log(JSON.stringify({ event: "image", status: "ok", ...r }));
    const mounted = r.mounted ? `, ${r.mounted} mounted` : "";
    const blobs = `${r.blobs} blob(s): ${r.sent} sent ${human(r.bytesSent)}, ${r.present} present${mounted}`;
    c.view.print(
      `${c.verb} ${r.src} -> ${c.to.kind === "dir" ? c.where : r.dst} ${r.digest} ` +
        `(${r.manifests} manifest(s), ${blobs})`,
    );
  } catch (e) {
    totals.failed++;
    const msg = e instanceof KplayError ? e.describe() : (e as Error).message;
    const [src, dst] = [formatRef(job.src), formatRef(job.dst)];
    if (v.json) console.log(JSON.stringify({ event: "image", status: "failed", src, dst, msg }));
    else process.stderr.write(`kplay: ${src}: ${msg}\n`);
  }
}

export async function imagesMirrorCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { ...OPTIONS, "to-dir": { type: "string" }, to: { type: "string" } },
    "images mirror",
  );
  const v = values as Values & { "to-dir"?: string; to?: string };
  if (v.help) {
    console.log(MIRROR_HELP);
    return 0;
  }
  if (!!v["to-dir"] === !!v.to)
    throw new KplayError("usage", "images mirror needs one of --to-dir DIR and --to HOST[:PORT]");
  const list = wanted(v, positionals);
  if (!list.length)
    throw new KplayError("usage", "no image given", { hint: "IMAGE..., --images FILE or --mapping FILE" });
  checkCopyFlags(v);
  if (v["to-dir"]) {
    const view = new TransferView({ json: !!v.json });
    const c = await registryClient(v, undefined, { meter: view });
    const layout = new OciLayout(resolve(v["to-dir"]));
    layout.init(); // only once every flag and file given was read
    const jobs = list.map((w) => ({ src: w.src, dst: w.src }));
    const from: Endpoint = { kind: "registry", client: c };
    return runJobs({ jobs, from, to: { kind: "dir", layout }, verb: "mirrored", where: v["to-dir"], view }, v);
  }
  const target = checkRegistry(v.to!, "--to");
  const view = new TransferView({ json: !!v.json });
  const c = await registryClient(v, target, { meter: view });
  const jobs = list.map((w) => ({ src: w.src, dst: destination(w, target, v) }));
  const registry: Endpoint = { kind: "registry", client: c };
  return runJobs({ jobs, from: registry, to: registry, verb: "mirrored", where: target, view }, v);
}

export async function imagesPushCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { ...OPTIONS, ...STATE_OPTIONS, "from-dir": { type: "string" }, registry: { type: "string" } },
    "images push",
  );
  const v = values as Values & Pick<Common, keyof typeof STATE_OPTIONS> & { "from-dir"?: string; registry?: string };
  if (v.help) {
    console.log(PUSH_HELP);
    return 0;
  }
  if (!v["from-dir"] || !v.registry)
    throw new KplayError("usage", "images push needs --from-dir DIR and --registry HOST[:PORT]");
  const target = checkRegistry(v.registry, "--registry");
  checkCopyFlags(v);
  const layout = new OciLayout(resolve(v["from-dir"]));
  const names = layout
    .entries()
    .map((e) => e.annotations?.[REF_ANNOTATION])
    .filter((n): n is string => !!n);
  let list = wanted(v, positionals);
  if (!list.length) list = names.map((n) => ({ src: parseRef(n) }));
  for (const w of list)
    if (!names.includes(formatRef(w.src)))
      throw new KplayError(
        "input",
        `${formatRef(w.src)} is not in ${v["from-dir"]} (it holds ${names.length} image(s); see its index.json)`,
      );
  const view = new TransferView({ json: !!v.json });
  const c = await registryClient(v, target, { meter: view, state: pushState(v) });
  const jobs = list.map((w) => ({ src: w.src, dst: destination(w, target, v) }));
  const to: Endpoint = { kind: "registry", client: c };
  return runJobs({ jobs, from: { kind: "dir", layout }, to, verb: "pushed", where: target, view }, v);
}

/** The cluster options images push takes: where the state with the registry's credentials is. */
const STATE_OPTIONS = {
  config: { type: "string", short: "c" },
  sandbox: { type: "boolean" },
  "sandbox-name": { type: "string" },
  "state-dir": { type: "string" },
} as const;

function pushState(v: Pick<Common, keyof typeof STATE_OPTIONS>) {
  return v.config || v.sandbox || v["state-dir"] ? stateRegistryAccess(stateDir(v as Common)) : undefined;
}
