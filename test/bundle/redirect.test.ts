// Downloads go only where they should: bundle files follow only http(s) redirects, never
// https -> http, never to file: (a hostile upstream must not copy a controller file into the
// bundle); the registry client drops credentials when scheme, host or port change.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchFile } from "../../src/bundle/build.js";
import { RegistryClient, sha256 } from "../../src/images/registry.js";
import { redirectTarget, sameOrigin } from "../../src/net/redirect.js";

const MANIFEST = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { digest: "sha256:" + "0".repeat(64), size: 2 },
    layers: [],
  }),
);
const dir = mkdtempSync(join(tmpdir(), "kplay-redirect-"));
const secretFile = join(dir, "id_rsa");
writeFileSync(secretFile, "PRIVATE KEY\n");
let upstream: Server;
let other: Server;
let up = "";
let ot = "";
const seenByOther: IncomingHttpHeaders[] = [];

function listen(s: Server): Promise<string> {
  return new Promise((r) => s.listen(0, "127.0.0.1", () => r(`127.0.0.1:${(s.address() as { port: number }).port}`)));
}

beforeAll(async () => {
  other = createServer((req, res) => {
    seenByOther.push(req.headers);
    res
      .writeHead(200, {
        "content-type": "application/vnd.oci.image.manifest.v1+json",
        "docker-content-digest": sha256(MANIFEST),
      })
      .end(MANIFEST);
  });
  ot = await listen(other);
  upstream = createServer((req, res) => {
    if (req.url === "/to-file") return void res.writeHead(302, { location: `file://${secretFile}` }).end();
    if (req.url === "/to-ftp") return void res.writeHead(302, { location: "ftp://127.0.0.1/x" }).end();
    if (req.url === "/to-http") return void res.writeHead(302, { location: `http://${up}/ok` }).end();
    if (req.url === "/ok") return void res.writeHead(200).end("fine\n");
    // registry: basic auth, then the manifest is served from another origin
    if (req.headers.authorization !== `Basic ${Buffer.from("u:pw-SEC").toString("base64")}`)
      return void res.writeHead(401, { "www-authenticate": 'Basic realm="r"' }).end();
    res.writeHead(307, { location: `http://${ot}/v2/team/app/manifests/1.0` }).end();
  });
  up = await listen(upstream);
});
afterAll(async () => {
  await new Promise<void>((r) => upstream.close(() => r()));
  await new Promise<void>((r) => other.close(() => r()));
});

describe("redirect policy", () => {
  it("follows http(s) only, never down from https, and knows an origin", () => {
    expect(redirectTarget(new URL("http://a/x"), "/y").toString()).toBe("http://a/y");
    expect(redirectTarget(new URL("http://a/x"), "https://b/y").toString()).toBe("https://b/y");
    expect(() => redirectTarget(new URL("https://a/x"), "http://a/y")).toThrow(/from https to http/);
    expect(() => redirectTarget(new URL("http://a/x"), "file:///etc/passwd")).toThrow(/file: address/);
    expect(sameOrigin(new URL("https://a/x"), new URL("https://A:443/y"))).toBe(true);
    expect(sameOrigin(new URL("https://a/x"), new URL("http://a/x"))).toBe(false);
    expect(sameOrigin(new URL("http://a:80/x"), new URL("http://a:8080/x"))).toBe(false);
  });

  it("a bundle download redirected to file: is refused and copies nothing", async () => {
    const out = join(dir, "files", "x");
    await expect(fetchFile(`http://${up}/to-file`, out)).rejects.toThrow(/refused a redirect to a file: address/);
    await expect(fetchFile(`http://${up}/to-ftp`, out)).rejects.toThrow(/ftp: address/);
    expect(existsSync(out)).toBe(false);
    const ok = await fetchFile(`http://${up}/to-http`, out);
    expect(ok).toMatchObject({ sha256: expect.any(String) });
  });

  it("the registry client sends no credentials to another origin", async () => {
    const c = new RegistryClient({ plainHttp: () => true, credentials: () => ({ username: "u", password: "pw-SEC" }) });
    const m = await c.getManifest(up, "team/app", "1.0");
    expect(m.digest).toBe(sha256(MANIFEST));
    expect(seenByOther.length).toBeGreaterThan(0);
    expect(seenByOther.every((h) => h.authorization === undefined)).toBe(true);
    c.close();
  });
});

describe("token realm over plain http", () => {
  it("is refused for an https registry (the credentials would travel in clear)", async () => {
    const { execFileSync } = await import("node:child_process");
    const { createServer: createTls } = await import("node:https");
    const { readFileSync } = await import("node:fs");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        join(dir, "k.pem"),
        "-out",
        join(dir, "c.pem"),
      ],
      { stdio: "ignore" },
    );
    const cert = readFileSync(join(dir, "c.pem"));
    const tokenHits: string[] = [];
    const tokenServer = createServer((req, res) => {
      tokenHits.push(String(req.headers.authorization));
      res.writeHead(200).end('{"token":"t"}');
    });
    const tk = await listen(tokenServer);
    const reg = createTls({ key: readFileSync(join(dir, "k.pem")), cert }, (_req, res) => {
      res.writeHead(401, { "www-authenticate": `Bearer realm="http://${tk}/token",service="s"` }).end();
    });
    const rg = await new Promise<string>((r) =>
      reg.listen(0, "127.0.0.1", () => r(`127.0.0.1:${(reg.address() as { port: number }).port}`)),
    );
    const c = new RegistryClient({
      ca: [cert],
      attempts: 1,
      credentials: () => ({ username: "u", password: "pw-SEC" }),
    });
    await expect(c.getManifest(rg, "team/app", "1.0")).rejects.toThrow(/token service .* not https: refused/);
    expect(tokenHits).toEqual([]);
    c.close();
    await new Promise<void>((r) => reg.close(() => r()));
    await new Promise<void>((r) => tokenServer.close(() => r()));
  });
});

describe("pinned checksums in bundle build", () => {
  it("a download that is not upstream's pinned file fails the build naming it, and nothing of it stays", async () => {
    const { buildBundle } = await import("../../src/bundle/build.js");
    const out = join(dir, "bundle-pin");
    const files = [{ name: "kubeadm", arch: "amd64", value: `http://${up}/ok`, sha256: "0".repeat(64) }];
    const client = new RegistryClient();
    await expect(
      buildBundle({
        out,
        arches: ["amd64"],
        files,
        images: [],
        client,
        project: "library",
        tarballs: false,
        log: () => undefined,
      }),
    ).rejects.toThrow(/ok \(amd64\): sha256 [0-9a-f]{64} is not the one upstream publishes .*kubeadm_checksum/);
    expect(existsSync(join(out, "amd64", "files", `${up}/ok`))).toBe(false);
    client.close();
  });
});

describe("kplay's release in the bundle", () => {
  it("each architecture's tarball carries kplay/ with the release checked against its .sha256; a wrong one stops the build", async () => {
    const { buildBundle } = await import("../../src/bundle/build.js");
    const rel = join(dir, "releases");
    mkdirSync(rel, { recursive: true });
    const tgz = join(rel, "kplay-9.9.9-linux-amd64.tar.gz");
    writeFileSync(tgz, "release bytes");
    writeFileSync(`${tgz}.sha256`, `${createHash("sha256").update("release bytes").digest("hex")}  x\n`);
    const out = join(dir, "bundle-rel");
    const client = new RegistryClient();
    const lines: string[] = [];
    const o = { out, files: [], images: [], client, project: "library", log: (l: string) => lines.push(l) };
    await buildBundle({ ...o, arches: ["amd64", "arm64"], releases: { dir: rel, version: "9.9.9" } });
    const listing = execFileSync("tar", ["-tzf", join(out, "kplay-bundle-amd64.tar.gz")], { encoding: "utf8" });
    expect(listing).toContain("./kplay/kplay-9.9.9-linux-amd64.tar.gz\n");
    expect(readFileSync(join(out, "amd64", "sha256sum.txt"), "utf8")).toContain("kplay/kplay-9.9.9-linux-amd64.tar.gz");
    expect(lines.join("\n")).toMatch(/kplay release \(arm64\): no kplay-9.9.9-linux-arm64.tar.gz .* carries no kplay/);
    writeFileSync(tgz, "tampered");
    await expect(buildBundle({ ...o, arches: ["amd64"], releases: { dir: rel, version: "9.9.9" } })).rejects.toThrow(
      /does not match .*\.sha256/,
    );
    client.close();
  });
});

describe("download progress", () => {
  it("fetchFile reports every byte it writes to the meter, then done", async () => {
    const body = Buffer.alloc(3 << 20, 7);
    const server = createServer((_req, res) => res.writeHead(200, { "content-length": body.length }).end(body));
    const host = await listen(server);
    const seen: Array<{ name: string; total?: number; bytes: number; end?: string }> = [];
    const meter = {
      start: (name: string, total?: number) => {
        const rec: { name: string; total?: number; bytes: number; end?: string } = { name, total, bytes: 0 };
        seen.push(rec);
        return {
          add: (n: number) => void (rec.bytes += n),
          done: () => void (rec.end = "done"),
          failed: () => void (rec.end = "failed"),
        };
      },
    };
    await fetchFile(`http://${host}/big`, join(dir, "big"), { meter });
    expect(seen).toEqual([{ name: `http://${host}/big`, total: body.length, bytes: body.length, end: "done" }]);
    await new Promise<void>((r) => server.close(() => r()));
  });
});
