// The registry client's bearer-token flow against a small token-auth registry on loopback
// (the Debian docker-registry used by the integration tests only offers basic auth without a
// separate token server): challenge, token from the realm with basic credentials and the
// scope, token reuse, and clear errors that never carry the password.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseChallenge, RegistryClient, sha256 } from "../../src/images/registry.js";

const MANIFEST = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { digest: "sha256:" + "0".repeat(64), size: 2 },
    layers: [],
  }),
);
let server: Server;
let host = "";
const tokenRequests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/token") {
      tokenRequests.push(url.search);
      if (req.headers.authorization !== `Basic ${Buffer.from("robot:s3cret-pass").toString("base64")}`)
        return void res.writeHead(401).end();
      return void res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ token: `tok-${url.searchParams.getAll("scope").join("+")}` }));
    }
    if (req.headers.authorization !== "Bearer tok-repository:team/app:pull") {
      return void res
        .writeHead(401, {
          "www-authenticate": `Bearer realm="http://${host}/token",service="test-registry",scope="repository:team/app:pull"`,
        })
        .end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    }
    res
      .writeHead(200, {
        "content-type": "application/vnd.oci.image.manifest.v1+json",
        "docker-content-digest": sha256(MANIFEST),
      })
      .end(MANIFEST);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  host = `127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("registry client auth", () => {
  it("parses challenges", () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"',
      ),
    ).toEqual({
      scheme: "bearer",
      params: { realm: "https://auth.example/token", service: "registry.example", scope: "repository:a/b:pull,push" },
    });
    expect(parseChallenge('Basic realm="x"')).toEqual({ scheme: "basic", params: { realm: "x" } });
  });

  it("gets a bearer token with basic credentials for the scope, and reuses it", async () => {
    const c = new RegistryClient({
      plainHttp: () => true,
      credentials: () => ({ username: "robot", password: "s3cret-pass" }),
    });
    tokenRequests.length = 0;
    const m = await c.getManifest(host, "team/app", "1.0");
    expect(m.digest).toBe(sha256(MANIFEST));
    await c.getManifest(host, "team/app", "1.0");
    expect(tokenRequests).toEqual(["?service=test-registry&scope=repository%3Ateam%2Fapp%3Apull"]);
    c.close();
  });

  it("a token service refusing the request is a clear error without the password", async () => {
    const anon = new RegistryClient({ plainHttp: () => true });
    await expect(anon.getManifest(host, "team/app", "1.0")).rejects.toThrow(
      /token service of 127\.0\.0\.1:\d+ .*answered HTTP 401 to an anonymous request/,
    );
    const wrong = new RegistryClient({
      plainHttp: () => true,
      credentials: () => ({ username: "robot", password: "not-the-one" }),
    });
    const e = await wrong.getManifest(host, "team/app", "1.0").catch((x: Error) => x);
    expect(String(e)).toMatch(/for the configured credentials/);
    expect(String(e)).not.toContain("not-the-one");
    anon.close();
    wrong.close();
  });
});
