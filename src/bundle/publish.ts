// Owns publishing a built bundle's files to a server the customer already runs, keeping the
// URL-preserving paths so the server's URL becomes the cluster's files URL:
//   DIR/ARCH/files/<host>/<path>  ->  http(s)://SERVER/PREFIX/<host>/<path>   (HTTP PUT: WebDAV,
//                                     Nexus raw or Artifactory generic repositories)
//                                 ->  s3://BUCKET/PREFIX/<host>/<path>        (S3-compatible, SigV4)
// with each file's .sha256 beside it. A file whose published .sha256 (HTTP) or sha256 metadata
// (S3) already matches is skipped, so re-running sends only what changed.
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { join } from "node:path";
import { forEachLimited } from "../concurrency.js";
import { metered, NO_METER, type TransferMeter } from "../report/transfers.js";
import { KplayError } from "../errors.js";
import { trustedCas, type Credentials } from "../images/registry.js";
import { awsEncode, sha256Hex, signS3, type S3Credentials } from "./sigv4.js";

export interface PublishOptions {
  /** The bundle's output directory (bundle build --out). */
  dir: string;
  arches: string[];
  /** http(s)://host[:port]/prefix or s3://bucket/prefix */
  to: string;
  credentials?: Credentials;
  s3?: { endpoint: string; region: string; credentials: S3Credentials };
  ca?: Buffer[];
  concurrency?: number;
  /** Progress of each upload (bytes as they are sent). */
  meter?: TransferMeter;
  log: (line: string) => void;
}

interface Item {
  rel: string;
  file: string;
  sha256: string;
  size: number;
  /** Told of each chunk read while the item is sent. */
  progress?: (bytes: number) => void;
}

/** Every file of the bundle's files/ trees (one entry per path; the same path in two arches must be the same file). */
export function publishable(dir: string, arches: string[]): Item[] {
  const out = new Map<string, Item>();
  for (const arch of arches) {
    const root = join(dir, arch, "files");
    if (!existsSync(root))
      throw new KplayError("input", `no ${arch}/files: run kplay bundle build --out ${dir} --arch ${arch} first`, {
        where: { file: dir },
      });
    const walk = (rel: string) => {
      for (const e of readdirSync(join(root, rel)).sort()) {
        const r = rel ? `${rel}/${e}` : e;
        const full = join(root, r);
        if (statSync(full).isDirectory()) walk(r);
        else if (!/\.(kplay-meta\.json|part)$/.test(e)) {
          const data = readFileSync(full);
          const item = { rel: r, file: full, sha256: sha256Hex(data), size: data.length };
          const had = out.get(r);
          if (had && had.sha256 !== item.sha256)
            throw new KplayError(
              "input",
              `${r} differs between architectures: a shared files server cannot hold both`,
              { where: { file: full } },
            );
          out.set(r, item);
        }
      }
    };
    walk("");
  }
  return [...out.values()];
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function send(
  url: URL,
  method: string,
  o: { headers: Record<string, string>; body?: Item; ca?: Buffer[] },
): Promise<Reply> {
  const { headers, body, ca } = o;
  const mod = url.protocol === "http:" ? http : https;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      url,
      { method, headers, timeout: 300_000, ca: url.protocol === "https:" ? trustedCas(ca) : undefined },
      (res) => {
        let b = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          if (b.length < 65536) b += c; // a checksum or an error text; a large body is not kept
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${url.host}: no answer in 300 s`)));
    req.on("error", (e) => reject(new KplayError("host", `${url.host}: ${e.message}`)));
    if (body)
      createReadStream(body.file)
        .on("data", (c) => body.progress?.(c.length))
        .on("error", reject)
        .pipe(req);
    else req.end();
  });
}

/** Where items go: whether one is there already (same checksum), and sending it. */
interface Target {
  has(it: Item): Promise<boolean>;
  put(it: Item): Promise<void>;
}

export async function publishBundle(o: PublishOptions): Promise<{ sent: number; skipped: number; bytes: number }> {
  const items = publishable(o.dir, o.arches);
  const res = { sent: 0, skipped: 0, bytes: 0 };
  const target = o.to.startsWith("s3://") ? s3Target(o) : httpTarget(o);
  const publish = async (it: Item): Promise<void> => {
    if (await target.has(it)) {
      res.skipped++;
      return;
    }
    const t = (o.meter ?? NO_METER).start(it.rel, it.size);
    await metered(t, () => target.put({ ...it, progress: (n) => t.add(n) }));
    res.sent++;
    res.bytes += it.size;
    o.log(`published ${it.rel}`);
  };
  // a file's .sha256 goes after the file, so a published checksum always names a complete file
  const files = items.filter((i) => !i.rel.endsWith(".sha256"));
  const sums = items.filter((i) => i.rel.endsWith(".sha256"));
  await forEachLimited(files, o.concurrency ?? 5, publish);
  await forEachLimited(sums, o.concurrency ?? 5, publish);
  return res;
}

/** An S3 bucket (SigV4): an object is there when its x-amz-meta-sha256 is the item's. */
function s3Target(o: PublishOptions): Target {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*?))?\/*$/.exec(o.to);
  if (!m) throw new KplayError("usage", `--to ${o.to}: expected s3://BUCKET[/PREFIX]`);
  const s3 = o.s3;
  if (!s3)
    throw new KplayError("usage", "an s3:// target needs credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
  const [, bucket, prefix] = m;
  const keyOf = (it: Item) => [prefix, it.rel].filter(Boolean).join("/");
  const request = (method: string, key: string, x: { body?: Item; headers?: Record<string, string> } = {}) => {
    const endpoint = new URL(s3.endpoint);
    const path = `${endpoint.pathname.replace(/\/$/, "")}/${bucket}/${key}`;
    const body = x.body;
    const headers = { host: endpoint.host, ...x.headers, ...(body ? { "content-length": String(body.size) } : {}) };
    const payloadSha256 = body ? body.sha256 : sha256Hex("");
    const signed = signS3({ method, path, headers, payloadSha256, region: s3.region, credentials: s3.credentials });
    return send(new URL(awsEncode(path), endpoint), method, { headers: signed, body, ca: o.ca });
  };
  return {
    has: async (it) => {
      const head = await request("HEAD", keyOf(it));
      return head.status === 200 && head.headers["x-amz-meta-sha256"] === it.sha256;
    },
    put: async (it) => {
      const key = keyOf(it);
      const r = await request("PUT", key, { body: it, headers: { "x-amz-meta-sha256": it.sha256 } });
      if (r.status !== 200)
        throw new KplayError(
          "host",
          `PUT s3://${bucket}/${key}: HTTP ${r.status} ${/<Code>([^<]+)/.exec(r.body)?.[1] ?? ""}`,
        );
    },
  };
}

/**
 * A web server taking PUT (basic auth when credentials are given): a file is there when its
 * published .sha256 names it; a .sha256 when its content matches.
 */
function httpTarget(o: PublishOptions): Target {
  const creds = o.credentials;
  const basic: Record<string, string> = creds
    ? { authorization: `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}` }
    : {};
  const base = new URL(o.to.replace(/\/*$/, "/"));
  const urlOf = (it: Item) => new URL(it.rel.split("/").map(encodeURIComponent).join("/"), base);
  return {
    has: async (it) => {
      const url = urlOf(it);
      const isSum = it.rel.endsWith(".sha256");
      const sumUrl = isSum ? url : new URL(`${url.pathname}.sha256`, url);
      const have = await send(sumUrl, "GET", { headers: { ...basic }, ca: o.ca });
      const want = isSum ? readFileSync(it.file, "utf8").trim() : it.sha256;
      return have.status === 200 && have.body.trim().split(/\s+/)[0] === want.split(/\s+/)[0];
    },
    put: async (it) => {
      const url = urlOf(it);
      const headers = { ...basic, "content-length": String(it.size), "content-type": "application/octet-stream" };
      const r = await send(url, "PUT", { headers, body: it, ca: o.ca });
      if ([200, 201, 204].includes(r.status)) return;
      const hint =
        r.status === 401 || r.status === 403 ? " (credentials: --auth-file or --username --password-stdin)" : "";
      throw new KplayError("host", `PUT ${url.origin}${url.pathname}: HTTP ${r.status}${hint}`);
    },
  };
}
