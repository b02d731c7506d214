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
import PQueue from "p-queue";
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
  log: (line: string) => void;
}

interface Item {
  rel: string;
  file: string;
  sha256: string;
  size: number;
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
    if (body) createReadStream(body.file).on("error", reject).pipe(req);
    else req.end();
  });
}

export async function publishBundle(o: PublishOptions): Promise<{ sent: number; skipped: number; bytes: number }> {
  const items = publishable(o.dir, o.arches);
  const res = { sent: 0, skipped: 0, bytes: 0 };
  const q = new PQueue({ concurrency: o.concurrency ?? 5 });
  const s3 = o.to.startsWith("s3://");
  const basic: Record<string, string> = o.credentials
    ? {
        authorization: `Basic ${Buffer.from(`${o.credentials.username}:${o.credentials.password}`).toString("base64")}`,
      }
    : {};
  const base = s3 ? undefined : new URL(o.to.replace(/\/*$/, "/"));
  const s3Target = s3 ? /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*?))?\/*$/.exec(o.to) : undefined;
  if (s3 && !s3Target) throw new KplayError("usage", `--to ${o.to}: expected s3://BUCKET[/PREFIX]`);
  if (s3 && !o.s3)
    throw new KplayError("usage", "an s3:// target needs credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");

  const s3Request = async (
    method: string,
    key: string,
    body: Item | undefined,
    extra: Record<string, string> = {},
  ): Promise<Reply> => {
    const endpoint = new URL(o.s3!.endpoint);
    const path = `${endpoint.pathname.replace(/\/$/, "")}/${s3Target![1]}/${key}`;
    const headers: Record<string, string> = {
      host: endpoint.host,
      ...extra,
      ...(body ? { "content-length": String(body.size) } : {}),
    };
    const signed = signS3({
      method,
      path,
      headers,
      payloadSha256: body ? body.sha256 : sha256Hex(""),
      region: o.s3!.region,
      credentials: o.s3!.credentials,
    });
    return send(new URL(awsEncode(path), endpoint), method, { headers: signed, body, ca: o.ca });
  };
  const put = async (it: Item): Promise<void> => {
    if (s3) {
      const key = [s3Target![2], it.rel].filter(Boolean).join("/");
      const head = await s3Request("HEAD", key, undefined);
      if (head.status === 200 && head.headers["x-amz-meta-sha256"] === it.sha256) {
        res.skipped++;
        return;
      }
      const r = await s3Request("PUT", key, it, { "x-amz-meta-sha256": it.sha256 });
      if (r.status !== 200)
        throw new KplayError(
          "host",
          `PUT s3://${s3Target![1]}/${key}: HTTP ${r.status} ${/<Code>([^<]+)/.exec(r.body)?.[1] ?? ""}`,
        );
    } else {
      const url = new URL(it.rel.split("/").map(encodeURIComponent).join("/"), base);
      // a file is there when its published .sha256 names it; a .sha256 when its content matches
      const isSum = it.rel.endsWith(".sha256");
      const have = await send(isSum ? url : new URL(`${url.pathname}.sha256`, url), "GET", {
        headers: { ...basic },
        ca: o.ca,
      });
      const want = isSum ? readFileSync(it.file, "utf8").trim() : it.sha256;
      if (have.status === 200 && have.body.trim().split(/\s+/)[0] === want.split(/\s+/)[0]) {
        res.skipped++;
        return;
      }
      const r = await send(url, "PUT", {
        headers: { ...basic, "content-length": String(it.size), "content-type": "application/octet-stream" },
        body: it,
        ca: o.ca,
      });
      if (![200, 201, 204].includes(r.status))
        throw new KplayError(
          "host",
          `PUT ${url.origin}${url.pathname}: HTTP ${r.status}${r.status === 401 || r.status === 403 ? " (credentials: --auth-file or --username --password-stdin)" : ""}`,
        );
    }
    res.sent++;
    res.bytes += it.size;
    o.log(`published ${it.rel}`);
  };
  // a file's .sha256 goes after the file, so a published checksum always names a complete file
  const files = items.filter((i) => !i.rel.endsWith(".sha256"));
  const sums = items.filter((i) => i.rel.endsWith(".sha256"));
  await Promise.all(files.map((i) => q.add(() => put(i))));
  await Promise.all(sums.map((i) => q.add(() => put(i))));
  return res;
}
