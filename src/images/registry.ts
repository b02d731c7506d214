// Owns talking to container registries (the OCI distribution API, no docker or skopeo): manifests
// by tag or digest, blobs (downloads verified against their digest, uploads chunked, existing
// blobs detected with HEAD, cross-repository mounts), registry auth (anonymous or basic
// credentials, used directly or to obtain a bearer token from the registry's token service),
// TLS with extra CAs, and retries with backoff for transient failures. Credentials are never
// part of an error message.
import { Backoff } from "../backoff.js";
import { redirectTarget, sameOrigin } from "../net/redirect.js";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, renameSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { rootCertificates } from "node:tls";
import { metered, NO_METER, type Transfer, type TransferMeter } from "../report/transfers.js";
import { KplayError } from "../errors.js";

export const MEDIA = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
} as const;
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest].join(", ");
export const isIndex = (mediaType: string): boolean => mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList;

export interface Credentials {
  username: string;
  password: string;
}

export interface RegistryOptions {
  /** Extra CA certificates (PEM) trusted besides the system's. */
  ca?: Array<string | Buffer>;
  /** Hosts spoken to over plain HTTP (loopback test registries, never the default). */
  plainHttp?: (host: string) => boolean;
  credentials?: (host: string) => Credentials | undefined;
  /** Attempts for a request failing with a network error, 429 or 5xx (default 5). */
  attempts?: number;
  /** First backoff delay in ms, doubled per attempt (default 500). */
  backoffMs?: number;
  /** Upload chunk size in bytes (default 8 MiB). */
  chunkSize?: number;
  /** Called for each request made (method, host, path without query), for counts and -v. */
  onRequest?: (method: string, host: string, path: string) => void;
  /** Progress of blob downloads and uploads. */
  meter?: TransferMeter;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

type Body = Buffer | (() => NodeJS.ReadableStream) | undefined;

/** TLS `ca` for extra CAs: passing `ca` replaces Node's bundled roots, so they are kept beside them. */
export const trustedCas = (extra: Array<string | Buffer> | undefined): string[] | undefined =>
  extra?.length ? [...rootCertificates, ...extra.map(String)] : undefined;

export const sha256 = (b: Buffer): string => `sha256:${createHash("sha256").update(b).digest("hex")}`;

export class RegistryError extends KplayError {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super("host", message);
  }
}

/** A client for any number of registries; keeps connections and tokens per host. */
export class RegistryClient {
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: undefined as https.Agent | undefined };
  private readonly tokens = new Map<string, string>();
  private readonly basic = new Set<string>();

  private readonly meter: TransferMeter;

  constructor(private readonly o: RegistryOptions = {}) {
    this.meter = o.meter ?? NO_METER;
    const ca = trustedCas(o.ca);
    this.agents.https = new https.Agent({ keepAlive: true, ca });
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https?.destroy();
  }

  private scheme(host: string): "http" | "https" {
    return this.o.plainHttp?.(host) ? "http" : "https";
  }

  /**
   * One HTTP exchange, following redirects (credentials only to the registry itself). With
   * `sink`, a 200 body is handed to it as a stream (blobs: never held in memory).
   */
  private raw(
    method: string,
    url: URL,
    headers: Record<string, string>,
    o: { body?: Body; sink?: (res: http.IncomingMessage) => Promise<void>; redirects?: number } = {},
  ): Promise<Reply> {
    const { body, sink, redirects = 5 } = o;
    const mod = url.protocol === "http:" ? http : https;
    const agent = url.protocol === "http:" ? this.agents.http : this.agents.https;
    return new Promise((resolve, reject) => {
      const req = mod.request(url, { method, headers, agent, timeout: 120_000 }, (res) => {
        const status = res.statusCode ?? 0;
        if ([301, 302, 303, 307, 308].includes(status) && res.headers.location && redirects > 0) {
          res.resume();
          let next: URL;
          try {
            next = redirectTarget(url, res.headers.location);
          } catch (e) {
            reject(e);
            return;
          }
          const h = { ...headers };
          // credentials follow only while scheme, host and port stay the same
          if (!sameOrigin(next, url)) delete h.authorization;
          resolve(this.raw(status === 303 ? "GET" : method, next, h, { body, sink, redirects: redirects - 1 }));
          return;
        }
        if (sink && status === 200) {
          sink(res).then(() => resolve({ status, headers: res.headers, body: Buffer.alloc(0) }), reject);
          return;
        }
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      });
      req.on("timeout", () => req.destroy(new Error(`no answer from ${url.host} in 120 s`)));
      req.on("error", reject);
      if (typeof body === "function") body().on("error", reject).pipe(req);
      else req.end(body);
    });
  }

  /** A request to `host` with auth (challenge answered once) and retries with backoff. */
  async request(
    host: string,
    method: string,
    path: string,
    o: {
      headers?: Record<string, string>;
      body?: Body;
      scope?: string;
      stream?: (res: http.IncomingMessage) => Promise<void>;
    } = {},
  ): Promise<Reply> {
    const attempts = this.o.attempts ?? 5;
    const backoff = new Backoff({ firstMs: this.o.backoffMs ?? 500 });
    for (let attempt = 1; ; attempt++) {
      try {
        const url = new URL(path, `${this.scheme(host)}://${host === "docker.io" ? "registry-1.docker.io" : host}`);
        this.o.onRequest?.(method, host, url.pathname);
        const send = (h: Record<string, string>) => this.raw(method, url, h, { body: o.body, sink: o.stream });
        let h = this.authHeaders(host, o.scope, o.headers);
        let r = await send(h);
        if (r.status === 401) {
          await this.answerChallenge(host, r, o.scope, h.authorization);
          h = this.authHeaders(host, o.scope, o.headers);
          r = await send(h);
          if (r.status === 401) {
            const has = !!this.o.credentials?.(host);
            throw new RegistryError(
              `${host} ` +
                (has
                  ? "refused the credentials configured for it"
                  : "asks for credentials and none are configured for it") +
                ` (HTTP 401${errorText(r.body) ? `: ${errorText(r.body)}` : ""})`,
              401,
            );
          }
        }
        if ((r.status === 429 || r.status >= 500) && attempt < attempts)
          throw new Transient(`${host}: HTTP ${r.status}`);
        return r;
      } catch (e) {
        if (attempt >= attempts || !(e instanceof Transient || isNetworkError(e))) {
          if (e instanceof KplayError) throw e;
          throw new RegistryError(`${host}: ${(e as Error).message}`);
        }
        await backoff.wait();
      }
    }
  }

  private authHeaders(
    host: string,
    scope: string | undefined,
    extra: Record<string, string> = {},
  ): Record<string, string> {
    const h: Record<string, string> = { "user-agent": "kplay", ...extra };
    const token = this.tokens.get(`${host} ${scope ?? ""}`);
    if (token) h.authorization = `Bearer ${token}`;
    else if (this.basic.has(host)) {
      const c = this.o.credentials?.(host);
      if (c) h.authorization = `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;
    }
    return h;
  }

  /** Answer a 401: Basic with the host's credentials, or Bearer via the token service. */
  private async answerChallenge(
    host: string,
    r: Reply,
    scope: string | undefined,
    sent: string | undefined,
  ): Promise<void> {
    const ch = parseChallenge(String(r.headers["www-authenticate"] ?? ""));
    const creds = this.o.credentials?.(host);
    if (ch?.scheme === "basic") {
      if (!creds)
        throw new RegistryError(`${host} asks for credentials (basic auth) and none are configured for it`, 401);
      if (sent?.startsWith("Basic "))
        throw new RegistryError(`${host} refused the credentials configured for it (HTTP 401)`, 401);
      this.basic.add(host);
      return;
    }
    if (ch?.scheme === "bearer" && ch.params.realm) {
      const key = `${host} ${scope ?? ""}`;
      const cached = this.tokens.get(key);
      // another request renewed the token meanwhile: use that one
      if (cached && sent !== `Bearer ${cached}`) return;
      const u = new URL(ch.params.realm);
      if (u.protocol !== "https:" && !(u.protocol === "http:" && this.o.plainHttp?.(host))) {
        throw new RegistryError(
          `the token service of ${host} is at ${u.origin}, not https: refused ` +
            `(credentials and tokens would travel in clear; --plain-http for ${host} allows it)`,
        );
      }
      if (ch.params.service) u.searchParams.set("service", ch.params.service);
      const sc = scope ?? ch.params.scope;
      if (sc) for (const one of sc.split(" ")) u.searchParams.append("scope", one);
      const h: Record<string, string> = { "user-agent": "kplay" };
      if (creds) h.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;
      const t = await this.raw("GET", u, h);
      if (t.status !== 200)
        throw new RegistryError(
          `the token service of ${host} (${u.host}) answered HTTP ${t.status}` +
            (creds ? " for the configured credentials" : " to an anonymous request"),
          t.status,
        );
      const j = JSON.parse(t.body.toString("utf8")) as { token?: string; access_token?: string };
      const token = j.token ?? j.access_token;
      if (!token) throw new RegistryError(`the token service of ${host} answered without a token`);
      this.tokens.set(key, token);
    }
  }

  // ---- the distribution API

  async getManifest(
    host: string,
    repo: string,
    reference: string,
  ): Promise<{ mediaType: string; digest: string; body: Buffer }> {
    const r = await this.request(host, "GET", `/v2/${repo}/manifests/${reference}`, {
      headers: { accept: MANIFEST_ACCEPT },
      scope: `repository:${repo}:pull`,
    });
    if (r.status === 404) throw new RegistryError(`${host}/${repo}:${reference}: manifest unknown`, 404);
    if (r.status !== 200)
      throw new RegistryError(
        `${host}/${repo}: GET manifest ${reference}: HTTP ${r.status} ${errorText(r.body)}`,
        r.status,
      );
    const digest = sha256(r.body);
    if (reference.startsWith("sha256:") && reference !== digest)
      throw new RegistryError(`${host}/${repo}@${reference}: the manifest received hashes to ${digest}`);
    const given = r.headers["docker-content-digest"];
    if (typeof given === "string" && given.startsWith("sha256:") && given !== digest)
      throw new RegistryError(
        `${host}/${repo}:${reference}: the manifest received hashes to ${digest}, the registry says ${given}`,
      );
    const mediaType =
      String(r.headers["content-type"] ?? "").split(";")[0] ||
      (JSON.parse(r.body.toString("utf8")) as { mediaType?: string }).mediaType ||
      MEDIA.ociManifest;
    return { mediaType, digest, body: r.body };
  }

  async hasManifest(host: string, repo: string, reference: string): Promise<string | undefined> {
    const r = await this.request(host, "HEAD", `/v2/${repo}/manifests/${reference}`, {
      headers: { accept: MANIFEST_ACCEPT },
      scope: `repository:${repo}:pull`,
    });
    if (r.status !== 200) return undefined;
    return String(r.headers["docker-content-digest"] ?? "") || "present";
  }

  async putManifest(
    host: string,
    repo: string,
    reference: string,
    m: { mediaType: string; body: Buffer },
  ): Promise<void> {
    const { mediaType, body } = m;
    const r = await this.request(host, "PUT", `/v2/${repo}/manifests/${reference}`, {
      headers: { "content-type": mediaType, "content-length": String(body.length) },
      body,
      scope: `repository:${repo}:pull,push`,
    });
    if (r.status !== 201 && r.status !== 200)
      throw new RegistryError(
        `${host}/${repo}: PUT manifest ${reference}: HTTP ${r.status} ${errorText(r.body)}`,
        r.status,
      );
  }

  async hasBlob(host: string, repo: string, digest: string): Promise<boolean> {
    const r = await this.request(host, "HEAD", `/v2/${repo}/blobs/${digest}`, { scope: `repository:${repo}:pull` });
    return r.status === 200;
  }

  /** Download a blob to `file`, verifying its digest (written as file.part, renamed when right). */
  async fetchBlob(host: string, repo: string, digest: string, file: string): Promise<void> {
    const t = this.meter.start(`${host}/${repo}@${digest.slice(7, 19)}`, undefined, "part");
    await metered(t, () => this.fetchBlobInto({ host, repo, digest, file }, t));
  }

  private async fetchBlobInto(b: { host: string; repo: string; digest: string; file: string }, t: Transfer) {
    const { host, repo, digest, file } = b;
    const part = `${file}.part`;
    const r = await this.request(host, "GET", `/v2/${repo}/blobs/${digest}`, {
      scope: `repository:${repo}:pull`,
      stream: async (res) => {
        const got = `sha256:${await saveStream(res, part, (n) => t.add(n))}`;
        if (got !== digest) {
          rmSync(part, { force: true });
          throw new RegistryError(`${host}/${repo}: blob ${digest} received with digest ${got}`);
        }
      },
    });
    if (r.status !== 200)
      throw new RegistryError(`${host}/${repo}: GET blob ${digest}: HTTP ${r.status} ${errorText(r.body)}`, r.status);
    renameSync(part, file);
  }

  /** Mount a blob from another repository of the same registry; false when the registry declines. */
  async mountBlob(host: string, repo: string, digest: string, from: string): Promise<boolean> {
    const r = await this.request(
      host,
      "POST",
      `/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
      { headers: { "content-length": "0" }, scope: `repository:${repo}:pull,push repository:${from}:pull` },
    );
    if (r.status === 201) return true;
    if (r.status === 202 && r.headers.location)
      await this.request(host, "DELETE", String(r.headers.location), { scope: `repository:${repo}:pull,push` }).catch(
        () => undefined,
      );
    return false;
  }

  /** Upload `file` as blob `digest` in chunks (POST, PATCH with Content-Range, PUT ?digest=). */
  async pushBlob(host: string, repo: string, digest: string, file: string): Promise<void> {
    const t = this.meter.start(`${host}/${repo}@${digest.slice(7, 19)}`, statSync(file).size, "part");
    await metered(t, () => this.pushBlobFrom({ host, repo, digest, file }, t));
  }

  private async pushBlobFrom(b: { host: string; repo: string; digest: string; file: string }, t: Transfer) {
    const { host, repo, digest, file } = b;
    const size = statSync(file).size;
    const scope = `repository:${repo}:pull,push`;
    const start = await this.request(host, "POST", `/v2/${repo}/blobs/uploads/`, {
      headers: { "content-length": "0" },
      scope,
    });
    if (start.status !== 202 || !start.headers.location)
      throw new RegistryError(
        `${host}/${repo}: starting an upload: HTTP ${start.status} ${errorText(start.body)}`,
        start.status,
      );
    let location = String(start.headers.location);
    const chunk = this.o.chunkSize ?? 8 << 20;
    for (let off = 0; off < size; off += chunk) {
      const end = Math.min(size, off + chunk) - 1;
      const r = await this.request(host, "PATCH", location, {
        headers: {
          "content-type": "application/octet-stream",
          "content-length": String(end - off + 1),
          "content-range": `${off}-${end}`,
        },
        // counted as read for sending; a chunk sent again after a retry counts again
        body: () => createReadStream(file, { start: off, end }).on("data", (c) => t.add(c.length)),
        scope,
      });
      if (r.status !== 202 || !r.headers.location)
        throw new RegistryError(
          `${host}/${repo}: uploading ${digest} bytes ${off}-${end}: HTTP ${r.status} ${errorText(r.body)}`,
          r.status,
        );
      location = String(r.headers.location);
    }
    const sep = location.includes("?") ? "&" : "?";
    const done = await this.request(host, "PUT", `${location}${sep}digest=${encodeURIComponent(digest)}`, {
      headers: { "content-length": "0" },
      scope,
    });
    if (done.status !== 201)
      throw new RegistryError(
        `${host}/${repo}: completing the upload of ${digest}: HTTP ${done.status} ${errorText(done.body)}`,
        done.status,
      );
  }
}

class Transient extends Error {}

function isNetworkError(e: unknown): boolean {
  const code = (e as { code?: string })?.code ?? "";
  return (
    [
      "ECONNRESET",
      "ECONNREFUSED",
      "ETIMEDOUT",
      "EPIPE",
      "EAI_AGAIN",
      "ENOTFOUND",
      "EHOSTUNREACH",
      "ENETUNREACH",
      "UND_ERR_SOCKET",
    ].includes(code) || /socket hang up|no answer from/.test((e as Error)?.message ?? "")
  );
}

/** `Bearer realm="...",service="...",scope="..."` or `Basic realm="..."`. */
export function parseChallenge(h: string): { scheme: string; params: Record<string, string> } | undefined {
  const m = /^\s*(\w+)\s*(.*)$/s.exec(h);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2].matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g))
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : p[3];
  return { scheme: m[1].toLowerCase(), params };
}

function errorText(b: Buffer): string {
  const t = b.toString("utf8").trim();
  try {
    const j = JSON.parse(t) as { errors?: Array<{ code?: string; message?: string }> };
    if (j.errors?.length) return j.errors.map((e) => `${e.code ?? ""} ${e.message ?? ""}`.trim()).join("; ");
  } catch {
    // not JSON
  }
  return t.slice(0, 200);
}

/** Write a response body to `file`, hashing it on the way; resolves with the hex sha256. */
export function saveStream(
  res: NodeJS.ReadableStream,
  file: string,
  progress?: (bytes: number) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash("sha256");
    const out = createWriteStream(file);
    res.on("data", (c: Buffer) => {
      h.update(c);
      progress?.(c.length);
    });
    res.on("error", reject);
    out.on("error", reject);
    out.on("finish", () => resolve(h.digest("hex")));
    res.pipe(out);
  });
}
