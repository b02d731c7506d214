// Image tooling against real registries: two Debian docker-registry processes on loopback, each
// with TLS from a test CA and basic auth (htpasswd). Registry A is seeded by writing its storage
// directly (two multi-arch images sharing a layer, and one image with six 3 MiB layers). kplay
// mirrors A -> B, A -> directory -> B, a push killed halfway is resumed, and what is asserted is
// read from the registries themselves (curl with the test CA, their request logs), not from
// kplay's output.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createHttpsServer } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildImage,
  buildIndex,
  writeIndexToRegistryStore,
  writeToRegistryStore,
  type OciImage,
} from "../../src/bundle/oci.js";
import { buildAptRepo, ensureSigningKey, stopAgent } from "../../src/bundle/apt-repo.js";
import { kplay, spawnKplay } from "../harness/cluster.js";

const dir = mkdtempSync(join(tmpdir(), "kplay-images-"));
const PASSWORD = `pw-${randomBytes(6).toString("hex")}`;
const procs: ChildProcess[] = [];
const logs: Record<string, string> = { a: "", b: "", c: "" };
let A = "";
let B = "";
const ca = join(dir, "ca.crt");
const auth = join(dir, "auth.json");
const digests: Record<string, string> = {};
const bigLayers: string[] = [];
const sharedLayer = { digest: "" };

const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const blob = (data: Buffer, mediaType: string) => ({ digest: sha(data), data, mediaType });

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

/** An image with the given layers (arbitrary bytes; registries do not unpack layers). */
function imageOf(layers: Buffer[], arch: string): OciImage {
  const ls = layers.map((l) => blob(l, "application/vnd.oci.image.layer.v1.tar+gzip"));
  const config = blob(
    Buffer.from(
      JSON.stringify({
        architecture: arch,
        os: "linux",
        rootfs: { type: "layers", diff_ids: ls.map((l) => l.digest) },
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
        layers: ls.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.data.length })),
      }),
    ),
    "application/vnd.oci.image.manifest.v1+json",
  );
  return { manifest, blobs: [config, ...ls] };
}

/** A docker-registry on loopback: TLS with the test CA and basic auth, or (plain) neither. */
async function startRegistry(name: "a" | "b" | "c", root: string, plain = false): Promise<string> {
  const port = await freePort();
  const cfg = join(dir, `${name}.yml`);
  const secure = `  tls:\n    certificate: ${dir}/srv.crt\n    key: ${dir}/srv.key\nauth:\n  htpasswd:\n    realm: kplay-test\n    path: ${dir}/htpasswd\n`;
  writeFileSync(
    cfg,
    `version: 0.1\nlog:\n  level: info\n  formatter: text\nstorage:\n  filesystem:\n    rootdirectory: ${root}\nhttp:\n  addr: 127.0.0.1:${port}\n${plain ? "" : secure}`,
  );
  const p = spawn("docker-registry", ["serve", cfg], { stdio: ["ignore", "pipe", "pipe"] });
  p.stdout!.on("data", (d) => (logs[name] += d));
  p.stderr!.on("data", (d) => (logs[name] += d));
  procs.push(p);
  for (let i = 0; i < 100; i++) {
    try {
      const code = execFileSync(
        "curl",
        [
          "-s",
          "-o",
          "/dev/null",
          "-w",
          "%{http_code}",
          "--cacert",
          ca,
          `${plain ? "http" : "https"}://127.0.0.1:${port}/v2/`,
        ],
        { encoding: "utf8" },
      );
      if (code === (plain ? "200" : "401")) return `127.0.0.1:${port}`;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`registry ${name} did not start: ${logs[name].slice(-2000)}`);
}

/** What registry `host` says about a manifest (curl, test CA, basic auth): its digest header. */
function remoteDigest(host: string, repo: string, ref: string): string {
  const h = execFileSync(
    "curl",
    [
      "-sSf",
      "-I",
      "--cacert",
      ca,
      "-u",
      `tester:${PASSWORD}`,
      "-H",
      "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json",
      `https://${host}/v2/${repo}/manifests/${ref}`,
    ],
    { encoding: "utf8" },
  );
  return /docker-content-digest:\s*(\S+)/i.exec(h)?.[1] ?? "";
}
function remoteBlobSha(host: string, repo: string, digest: string): string {
  return sha(
    execFileSync(
      "curl",
      ["-sSfL", "--cacert", ca, "-u", `tester:${PASSWORD}`, `https://${host}/v2/${repo}/blobs/${digest}`],
      { maxBuffer: 64 << 20 },
    ),
  );
}
/** Completed blob uploads (PUT ...?digest=) that registry B logged, by digest, for `repo`. */
function completedUploads(repo: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of logs.b.matchAll(
    /http\.request\.method=PUT http\.request\.remoteaddr=\S+ http\.request\.uri="([^"]+)"[^\n]*http\.response\.status=201/g,
  )) {
    const uri = decodeURIComponent(m[1]);
    const d = /\/v2\/(.+)\/blobs\/uploads\/[^?]+\?.*digest=(sha256:[0-9a-f]{64})/.exec(uri);
    if (d && d[1] === repo) out.set(d[2], (out.get(d[2]) ?? 0) + 1);
  }
  return out;
}

beforeAll(async () => {
  const ssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  ssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "2",
    "-subj",
    "/CN=kplay test CA",
  ]);
  ssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=localhost"]);
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  ssl([
    "x509",
    "-req",
    "-in",
    "srv.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "srv.crt",
    "-days",
    "2",
    "-extfile",
    "san.ext",
  ]);
  writeFileSync(join(dir, "htpasswd"), execFileSync("htpasswd", ["-nbB", "tester", PASSWORD]));
  // Registry A's content, written into its storage before it starts.
  const rootA = join(dir, "store-a");
  const shared = randomBytes(300_000);
  sharedLayer.digest = sha(shared);
  const app = ["amd64", "arm64"].map((arch) => imageOf([shared, randomBytes(200_000)], arch));
  const appIndex = buildIndex(app.map((image, i) => ({ image, os: "linux", arch: ["amd64", "arm64"][i] })));
  writeIndexToRegistryStore(rootA, { repository: "mirror/app", tag: "1.0" }, app, appIndex);
  const shell = ["amd64", "arm64"].map((arch) =>
    buildImage({
      arch,
      files: [
        { path: "etc", type: "dir" },
        { path: "etc/arch", type: "file", mode: 0o644, data: Buffer.from(arch) },
      ],
    }),
  );
  // the shell image shares app's first layer too (a mount in the target registry)
  const shellWithShared = shell.map((s, i) => imageOf([shared, s.blobs[1].data], ["amd64", "arm64"][i]));
  const shellIndex = buildIndex(
    shellWithShared.map((image, i) => ({ image, os: "linux", arch: ["amd64", "arm64"][i] })),
  );
  writeIndexToRegistryStore(rootA, { repository: "tools/shell", tag: "2" }, shellWithShared, shellIndex);
  const big = imageOf(
    Array.from({ length: 6 }, () => randomBytes(3 << 20)),
    "amd64",
  );
  bigLayers.push(...big.blobs.slice(1).map((b) => b.digest));
  writeToRegistryStore(rootA, "big/blob", "1", big);
  digests.app = appIndex.digest;
  digests.shell = shellIndex.digest;
  digests.big = big.manifest.digest;
  digests.appArm = app[1].manifest.digest;
  A = await startRegistry("a", rootA);
  B = await startRegistry("b", join(dir, "store-b"));
  const basic = Buffer.from(`tester:${PASSWORD}`).toString("base64");
  writeFileSync(auth, JSON.stringify({ auths: { [A]: { auth: basic }, [`https://${B}`]: { auth: basic } } }));
}, 120_000);

afterAll(() => {
  for (const p of procs) p.kill("SIGKILL");
});

const common = () => ["--ca-file", ca, "--auth-file", auth];

describe("images mirror and push (real docker-registry, TLS with a test CA, basic auth)", () => {
  it("registry to registry: two multi-arch images, index digests identical, every platform copied, the shared layer mounted", async () => {
    const r = await kplay([
      "images",
      "mirror",
      `${A}/mirror/app:1.0`,
      `${A}/tools/shell:2`,
      "--to",
      B,
      "--project",
      "copy",
      "--concurrency",
      "1",
      ...common(),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(remoteDigest(B, "copy/mirror/app", "1.0")).toBe(digests.app);
    expect(remoteDigest(B, "copy/tools/shell", "2")).toBe(digests.shell);
    expect(remoteDigest(B, "copy/mirror/app", digests.appArm)).toBe(digests.appArm);
    expect(remoteBlobSha(B, "copy/tools/shell", sharedLayer.digest)).toBe(sharedLayer.digest);
    // the layer both images share was uploaded once and mounted into the second repository
    expect(
      [...completedUploads("copy/mirror/app").keys(), ...completedUploads("copy/tools/shell").keys()].filter(
        (d) => d === sharedLayer.digest,
      ),
    ).toHaveLength(1);
    expect(logs.b).toMatch(
      /http\.request\.method=POST[^\n]*uploads\/\?from=[^\n]*mount=[^\n]*http\.response\.status=201|http\.request\.method=POST[^\n]*mount=[^\n]*from=[^\n]*http\.response\.status=201/,
    );
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    // again: nothing sent
    const again = await kplay([
      "images",
      "mirror",
      `${A}/mirror/app:1.0`,
      `${A}/tools/shell:2`,
      "--to",
      B,
      "--project",
      "copy",
      "--json",
      ...common(),
    ]);
    expect(again.code).toBe(0);
    const summary = again.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((e) => e.event === "summary");
    expect(summary).toMatchObject({ images: 2, failed: 0, blobsSent: 0 });
  });

  it("via a directory: mirror --to-dir, then push --from-dir; digests identical end to end, blobs verified on disk", async () => {
    const out = join(dir, "carry");
    const m = await kplay([
      "images",
      "mirror",
      `${A}/mirror/app:1.0`,
      `${A}/tools/shell:2`,
      `${A}/big/blob:1`,
      "--to-dir",
      out,
      ...common(),
    ]);
    expect(m.code, m.stderr).toBe(0);
    const index = JSON.parse(readFileSync(join(out, "index.json"), "utf8"));
    expect(
      index.manifests.map(
        (e: { annotations: Record<string, string> }) => e.annotations["org.opencontainers.image.ref.name"],
      ),
    ).toEqual([`${A}/big/blob:1`, `${A}/mirror/app:1.0`, `${A}/tools/shell:2`]);
    for (const f of readdirSync(join(out, "blobs", "sha256")))
      expect(sha(readFileSync(join(out, "blobs", "sha256", f)))).toBe(`sha256:${f}`);
    expect(readdirSync(join(out, "blobs", "sha256")).filter((f) => !/^[0-9a-f]{64}$/.test(f))).toEqual([]);
    const p = await kplay([
      "images",
      "push",
      "--from-dir",
      out,
      "--registry",
      B,
      "--project",
      "viadir",
      `${A}/mirror/app:1.0`,
      `${A}/tools/shell:2`,
      ...common(),
    ]);
    expect(p.code, p.stderr).toBe(0);
    expect(remoteDigest(B, "viadir/mirror/app", "1.0")).toBe(digests.app);
    expect(remoteDigest(B, "viadir/tools/shell", "2")).toBe(digests.shell);
  });

  it("a push killed halfway resumes without sending completed blobs again", async () => {
    const out = join(dir, "carry");
    const args = [
      "images",
      "push",
      "--from-dir",
      out,
      "--registry",
      B,
      "--project",
      "resume",
      `${A}/big/blob:1`,
      "--concurrency",
      "1",
      "--chunk-size",
      String(512 << 10),
      ...common(),
    ];
    const { child, done } = spawnKplay(args);
    for (let i = 0; i < 600 && completedUploads("resume/big/blob").size < 2; i++)
      await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGKILL");
    await done;
    const before = completedUploads("resume/big/blob");
    expect(before.size).toBeGreaterThanOrEqual(2);
    expect(before.size).toBeLessThan(7);
    const r = await kplay([...args, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const after = completedUploads("resume/big/blob");
    // every blob (config + 6 layers) completed exactly once over both runs
    expect([...after.values()].every((n) => n === 1)).toBe(true);
    expect([...after.keys()].filter((d) => bigLayers.includes(d)).sort()).toEqual([...bigLayers].sort());
    const img = r.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((e) => e.event === "image");
    expect(img.present).toBe(before.size);
    expect(remoteDigest(B, "resume/big/blob", "1")).toBe(digests.big);
  });

  it("a mapping file: one image to a path and tag of its own, the other to the default place", async () => {
    const map = join(dir, "mapping.txt");
    writeFileSync(map, `# source -> destination\n${A}/tools/shell:2 -> team/shell:v2\n${A}/mirror/app:1.0\n`);
    const r = await kplay(["images", "mirror", "--mapping", map, "--to", B, ...common()]);
    expect(r.code, r.stderr).toBe(0);
    expect(remoteDigest(B, "team/shell", "v2")).toBe(digests.shell);
    expect(remoteDigest(B, "library/mirror/app", "1.0")).toBe(digests.app);
    writeFileSync(map, `${A}/tools/shell:2 team/shell:v2 extra\n`);
    const bad = await kplay(["images", "mirror", "--mapping", map, "--to", B, ...common()]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${map}:1: expected "SRC DEST"`);
  });

  it("--username with --password-stdin; a wrong password fails clearly and is never printed", async () => {
    const run = (pw: string) => {
      const { child, done } = spawnKplay([
        "images",
        "mirror",
        `${A}/tools/shell:2`,
        "--to",
        B,
        "--project",
        "stdin",
        "--username",
        "tester",
        "--password-stdin",
        "--ca-file",
        ca,
        "--auth-file",
        auth,
      ]);
      child.stdin!.end(`${pw}\n`);
      return done;
    };
    const bad = await run("wrong-secret-value");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/refused the credentials configured for it/);
    expect(bad.stdout + bad.stderr).not.toContain("wrong-secret-value");
    const good = await run(PASSWORD);
    expect(good.code, good.stderr).toBe(0);
    expect(remoteDigest(B, "stdin/tools/shell", "2")).toBe(digests.shell);
  });

  it("an untrusted registry certificate stops with a TLS error, not a silent skip", async () => {
    const r = await kplay([
      "images",
      "mirror",
      `${A}/tools/shell:2`,
      "--to-dir",
      join(dir, "untrusted"),
      "--auth-file",
      auth,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/certificate/i);
    expect(existsSync(join(dir, "untrusted", "index.json"))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, "untrusted", "index.json"), "utf8")).manifests).toEqual([]);
  });
});

describe("images list and manifests rewrite (CLI)", () => {
  const FIX = join(import.meta.dirname, "../fixtures/manifests");

  it("images list over a directory of manifests prints the distinct images, sorted", async () => {
    const r = await kplay(["images", "list", FIX]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(12);
    expect(r.stdout).toContain("docker.io/library/nginx:latest\n");
    expect(r.stdout).not.toContain("should-not-be-listed");
  });

  it("manifests rewrite --check writes nothing and exits 1; without it the file changes only on image lines", async () => {
    const work = join(dir, "rewrite");
    mkdirSync(work, { recursive: true });
    const f = join(work, "w.yaml");
    const original = readFileSync(join(FIX, "workloads.yaml"), "utf8");
    writeFileSync(f, original);
    const check = await kplay(["manifests", "rewrite", f, "--registry", "kube.registry.local/library", "--check"]);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(
      `${f}:14 [0].spec.template.spec.containers[0].image nginx:1.25 -> kube.registry.local/library/nginx:1.25`,
    );
    expect(readFileSync(f, "utf8")).toBe(original);
    const w = await kplay(["manifests", "rewrite", f, "--registry", "kube.registry.local/library"]);
    expect(w.code, w.stderr).toBe(0);
    const now = readFileSync(f, "utf8");
    expect(now.split("\n").filter((l) => !/image:/.test(l))).toEqual(
      original.split("\n").filter((l) => !/image:/.test(l)),
    );
    const again = await kplay(["manifests", "rewrite", f, "--registry", "kube.registry.local/library", "--check"]);
    expect(again.code).toBe(0);
  });
});

describe("bundle build (files from a loopback HTTPS mirror, images from registry A)", () => {
  const served = new Map<string, Buffer>([
    ["/example.com/tool-linux-amd64.tar.gz", randomBytes(50_000)],
    ["/example.com/tool-linux-arm64.tar.gz", randomBytes(50_000)],
    ["/example.com/manifest.yaml", Buffer.from("kind: ConfigMap\n")],
  ]);
  const gets: string[] = [];
  let filesPort = 0;
  const out = join(dir, "bundle");
  const vars = join(dir, "download.yml");
  let build: string[] = [];

  beforeAll(async () => {
    // an apt mirror: synthetic packages with a dependency, an alternative, two versions, and one not needed
    const debs = join(dir, "apt-mirror");
    mkdirSync(debs, { recursive: true });
    const deb = (name: string, version: string, depends?: string) => {
      const d = join(dir, "pkgsrc", `${name}-${version}`);
      mkdirSync(join(d, "DEBIAN"), { recursive: true });
      mkdirSync(join(d, "usr", "share", "doc", name), { recursive: true });
      writeFileSync(join(d, "usr", "share", "doc", name, "README"), `${name} ${version}\n`);
      writeFileSync(
        join(d, "DEBIAN", "control"),
        `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: kplay tests <t@kplay.invalid>\n${depends ? `Depends: ${depends}\n` : ""}Description: kplay test package\n`,
      );
      execFileSync(
        "dpkg-deb",
        ["--root-owner-group", "-Zgzip", "--build", d, join(debs, `${name}_${version}_all.deb`)],
        { stdio: "pipe" },
      );
    };
    deb("kt-app", "1.0", "kt-lib (>= 1.0), kt-alt-a | kt-alt-b");
    deb("kt-lib", "1.0");
    deb("kt-lib", "1.1");
    deb("kt-alt-a", "1.0");
    deb("kt-alt-b", "1.0");
    deb("kt-unrelated", "1.0");
    const mirrorKey = ensureSigningKey(join(dir, "mirror-gnupg"));
    buildAptRepo(debs, mirrorKey, "kplay test mirror");
    stopAgent(mirrorKey.home);
    writeFileSync(join(dir, "mirror-key.asc"), mirrorKey.publicKey);
    const srv = createHttpsServer(
      { cert: readFileSync(join(dir, "srv.crt")), key: readFileSync(join(dir, "srv.key")) },
      (req, res) => {
        if (req.url?.startsWith("/apt/")) {
          const f = join(debs, req.url.slice(5));
          return void (existsSync(f) ? res.writeHead(200).end(readFileSync(f)) : res.writeHead(404).end());
        }
        const body = served.get(req.url ?? "");
        if (!body) return void res.writeHead(404).end();
        const etag = `"${sha(body).slice(7, 23)}"`;
        if (req.headers["if-none-match"] === etag) return void res.writeHead(304).end();
        gets.push(req.url ?? "");
        res.writeHead(200, { etag }).end(body);
      },
    );
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    filesPort = (srv.address() as { port: number }).port;
    afterAll(() => srv.close());
    writeFileSync(
      vars,
      [
        'tool_download_url: "{{ download_url }}/example.com/tool-linux-{{ image_arch }}.tar.gz"',
        'manifest_download_url: "{{ download_url }}/example.com/manifest.yaml"',
        `app_image_repo: ${A}/mirror/app`,
        'app_image_tag: "1.0"',
        "",
      ].join("\n"),
    );
    build = [
      "bundle",
      "build",
      "--out",
      out,
      "--vars",
      vars,
      "--files-from",
      `https://127.0.0.1:${filesPort}`,
      "--arch",
      "amd64,arm64",
      "--packages",
      "kt-app",
      "--apt-source",
      `deb [signed-by=${dir}/mirror-key.asc] https://127.0.0.1:${filesPort}/apt/ ./`,
      ...common(),
    ];
  });

  it("lays out files (sha256 beside each), one platform of each image per architecture, tarballs with checksums", async () => {
    const r = await kplay(build);
    expect(r.code, r.stderr).toBe(0);
    for (const arch of ["amd64", "arm64"]) {
      const f = join(out, arch, "files", "example.com", `tool-linux-${arch}.tar.gz`);
      expect(sha(readFileSync(f))).toBe(sha(served.get(`/example.com/tool-linux-${arch}.tar.gz`)!));
      expect(`sha256:${readFileSync(`${f}.sha256`, "utf8").trim()}`).toBe(sha(readFileSync(f)));
      expect(readFileSync(join(out, arch, "files", "example.com", "manifest.yaml"), "utf8")).toBe("kind: ConfigMap\n");
      const idx = JSON.parse(readFileSync(join(out, arch, "images", "index.json"), "utf8"));
      expect(idx.manifests).toHaveLength(1);
      const image = JSON.parse(
        readFileSync(join(out, arch, "images", "blobs", "sha256", idx.manifests[0].digest.slice(7)), "utf8"),
      );
      expect(image.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture)).toEqual([
        arch,
      ]);
      const listing = execFileSync("tar", ["-tzf", join(out, `kplay-bundle-${arch}.tar.gz`)], { encoding: "utf8" });
      expect(listing).toContain(`./files/example.com/tool-linux-${arch}.tar.gz\n`);
      expect(listing).not.toContain("kplay-meta");
      execFileSync("sha256sum", ["-c", "--quiet", "sha256sum.txt"], { cwd: join(out, arch) });
    }
    execFileSync("sha256sum", ["-c", "--quiet", "sha256sum.txt"], { cwd: out });
    // packages: kt-app with its dependencies as the resolver chose them, nothing else; the
    // repository is signed with the bundle key, and apt on a target trusts it and resolves kt-app
    for (const arch of ["amd64", "arm64"]) {
      const repo = join(out, arch, "repos", `debian-12-${arch}`);
      expect(
        readdirSync(repo)
          .filter((f) => f.endsWith(".deb"))
          .sort(),
      ).toEqual(["kt-alt-a_1.0_all.deb", "kt-app_1.0_all.deb", "kt-lib_1.1_all.deb"]);
      const keyring = join(dir, `bundle-keyring-${arch}.gpg`);
      execFileSync("gpg", [
        "--batch",
        "--yes",
        "--dearmor",
        "-o",
        keyring,
        join(out, arch, "repos", "kplay-bundle.asc"),
      ]);
      execFileSync("gpgv", ["--keyring", keyring, join(repo, "InRelease")], { stdio: "pipe" });
      const aptRoot = join(dir, `target-apt-${arch}`);
      for (const d of [
        "etc/apt/apt.conf.d",
        "etc/apt/preferences.d",
        "var/lib/apt/lists/partial",
        "var/cache/apt/archives/partial",
        "var/lib/dpkg",
      ])
        mkdirSync(join(aptRoot, d), { recursive: true });
      writeFileSync(
        join(aptRoot, "etc/apt/sources.list"),
        `deb [signed-by=${join(out, arch, "repos", "kplay-bundle.asc")}] file://${repo} ./\n`,
      );
      writeFileSync(join(aptRoot, "var/lib/dpkg/status"), "");
      const o = [
        "-o",
        `Dir=${aptRoot}`,
        "-o",
        `Dir::State::status=${aptRoot}/var/lib/dpkg/status`,
        "-o",
        `APT::Architecture=${arch}`,
        "-o",
        "Debug::NoLocking=1",
        "-o",
        "APT::Sandbox::User=root",
      ];
      execFileSync("apt-get", ["-q", ...o, "update"], { stdio: "pipe" });
      const sim = execFileSync("apt-get", ["-q", "-s", ...o, "install", "kt-app"], { encoding: "utf8" });
      expect(
        sim
          .split("\n")
          .filter((l) => l.startsWith("Inst "))
          .map((l) => l.split(" ").slice(1, 3).join(" "))
          .sort(),
      ).toEqual(["kt-alt-a (1.0", "kt-app (1.0", "kt-lib (1.1"]);
    }
    expect(readdirSync(out)).not.toContain("kplay-bundle.asc");
    expect(execFileSync("tar", ["-tzf", join(out, "kplay-bundle-amd64.tar.gz")], { encoding: "utf8" })).not.toMatch(
      /signing-key|\.apt-|private-keys/,
    );
    // the manifest (one URL for both architectures) was fetched once
    expect(gets.filter((g) => g === "/example.com/manifest.yaml")).toHaveLength(1);
    // registry/ is docker-registry storage as the bootstrap node serves it: a registry started on
    // the amd64 tree answers for PROJECT/<path> with the amd64 index's digest, and serves its layers
    const c = await startRegistry("c", join(out, "amd64", "registry"), true);
    const amd = JSON.parse(readFileSync(join(out, "amd64", "images", "index.json"), "utf8")).manifests[0].digest;
    const head = execFileSync(
      "curl",
      [
        "-sSfI",
        "-H",
        "Accept: application/vnd.oci.image.index.v1+json",
        `http://${c}/v2/library/mirror/app/manifests/1.0`,
      ],
      { encoding: "utf8" },
    );
    expect(/docker-content-digest:\s*(\S+)/i.exec(head)?.[1]).toBe(amd);
    expect(
      sha(
        execFileSync("curl", ["-sSfL", `http://${c}/v2/library/mirror/app/blobs/${sharedLayer.digest}`], {
          maxBuffer: 16 << 20,
        }),
      ),
    ).toBe(sharedLayer.digest);
    // the arm64 directory pushes as it is
    const p = await kplay([
      "images",
      "push",
      "--from-dir",
      join(out, "arm64", "images"),
      "--registry",
      B,
      "--project",
      "bundle",
      ...common(),
    ]);
    expect(p.code, p.stderr).toBe(0);
    const idx = JSON.parse(readFileSync(join(out, "arm64", "images", "index.json"), "utf8"));
    expect(remoteDigest(B, "bundle/mirror/app", "1.0")).toBe(idx.manifests[0].digest);
  });

  it("publish: to an HTTPS server with PUT (basic auth) and to an S3-compatible endpoint, paths kept, checksums after files, nothing sent twice", async () => {
    const store = new Map<string, Buffer>();
    const puts: string[] = [];
    const s3 = new Map<string, { body: Buffer; sha: string }>();
    const s3puts: Array<{ path: string; auth: string; payload: string; body: string }> = [];
    const srv = createHttpsServer(
      { cert: readFileSync(join(dir, "srv.crt")), key: readFileSync(join(dir, "srv.key")) },
      (req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          const url = decodeURIComponent(req.url ?? "");
          if (url.startsWith("/s3/")) {
            // an S3-compatible endpoint: path-style /BUCKET/KEY, object metadata kept
            const o = s3.get(url);
            if (req.method === "HEAD")
              return void res.writeHead(o ? 200 : 404, o ? { "x-amz-meta-sha256": o.sha } : {}).end();
            if (req.method === "PUT") {
              const body = Buffer.concat(chunks);
              s3puts.push({
                path: url,
                auth: String(req.headers.authorization),
                payload: String(req.headers["x-amz-content-sha256"]),
                body: sha(body).slice(7),
              });
              s3.set(url, { body, sha: String(req.headers["x-amz-meta-sha256"]) });
              return void res.writeHead(200).end();
            }
            return void res.writeHead(405).end();
          }
          if (req.headers.authorization !== `Basic ${Buffer.from(`tester:${PASSWORD}`).toString("base64")}`)
            return void res.writeHead(401).end();
          if (req.method === "PUT") {
            puts.push(url);
            store.set(url, Buffer.concat(chunks));
            return void res.writeHead(201).end();
          }
          const b = store.get(url);
          res.writeHead(b ? 200 : 404).end(b ?? "");
        });
      },
    );
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const host = `127.0.0.1:${(srv.address() as { port: number }).port}`;
    try {
      writeFileSync(
        join(dir, "publish-auth.json"),
        JSON.stringify({ auths: { [host]: { auth: Buffer.from(`tester:${PASSWORD}`).toString("base64") } } }),
      );
      const denied = await kplay([
        "bundle",
        "publish",
        "--from",
        out,
        "--to",
        `https://${host}/repo/files`,
        "--ca-file",
        ca,
        "--auth-file",
        join(dir, "none.json"),
      ]);
      expect(denied.code).toBe(2); // the auth file does not exist: bad input before anything is sent
      const unauthorized = await kplay([
        "bundle",
        "publish",
        "--from",
        out,
        "--to",
        `https://${host}/repo/files`,
        "--ca-file",
        ca,
        "--auth-file",
        auth,
      ]);
      expect(unauthorized.code).toBe(1);
      expect(unauthorized.stderr).toMatch(/HTTP 401 \(credentials: --auth-file or --username --password-stdin\)/);
      expect(store.size).toBe(0);
      const pub = [
        "bundle",
        "publish",
        "--from",
        out,
        "--to",
        `https://${host}/repo/files`,
        "--ca-file",
        ca,
        "--auth-file",
        join(dir, "publish-auth.json"),
      ];
      const r = await kplay(pub);
      expect(r.code, r.stderr).toBe(0);
      for (const arch of ["amd64", "arm64"]) {
        const rel = `example.com/tool-linux-${arch}.tar.gz`;
        expect(store.get(`/repo/files/${rel}`)).toEqual(readFileSync(join(out, arch, "files", rel)));
        expect(store.get(`/repo/files/${rel}.sha256`)?.toString()).toBe(
          readFileSync(join(out, arch, "files", `${rel}.sha256`), "utf8"),
        );
        expect(puts.indexOf(`/repo/files/${rel}`)).toBeLessThan(puts.indexOf(`/repo/files/${rel}.sha256`));
      }
      expect([...store.keys()].some((k) => k.includes("kplay-meta"))).toBe(false);
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
      puts.length = 0;
      const again = await kplay(pub);
      expect(again.code, again.stderr).toBe(0);
      expect(puts).toEqual([]);
      // S3: path-style PUTs signed with SigV4 over the body's sha256, skipped by metadata next time
      const env = { AWS_ACCESS_KEY_ID: "AKIDKPLAYTEST", AWS_SECRET_ACCESS_KEY: "kplay-test-secret-value" };
      const s3args = [
        "bundle",
        "publish",
        "--from",
        out,
        "--to",
        "s3://bundles/kplay/files",
        "--s3-endpoint",
        `https://${host}/s3`,
        "--ca-file",
        ca,
      ];
      const s = await kplay(s3args, { env });
      expect(s.code, s.stderr).toBe(0);
      expect(s3.get("/s3/bundles/kplay/files/example.com/manifest.yaml")?.body.toString()).toBe("kind: ConfigMap\n");
      for (const p of s3puts) {
        expect(p.payload).toBe(p.body);
        expect(p.auth).toMatch(
          /^AWS4-HMAC-SHA256 Credential=AKIDKPLAYTEST\/\d{8}\/us-east-1\/s3\/aws4_request,SignedHeaders=content-length;host;x-amz-content-sha256;x-amz-date;x-amz-meta-sha256,Signature=[0-9a-f]{64}$/,
        );
      }
      expect(s.stdout + s.stderr).not.toContain("kplay-test-secret-value");
      s3puts.length = 0;
      expect((await kplay(s3args, { env })).code).toBe(0);
      expect(s3puts).toEqual([]);
    } finally {
      srv.close();
    }
  });

  it("a re-run downloads nothing that did not change upstream; a changed file is fetched again, alone", async () => {
    gets.length = 0;
    const again = await kplay(build);
    expect(again.code, again.stderr).toBe(0);
    expect(gets).toEqual([]);
    expect(again.stderr).toMatch(/0 file\(s\) downloaded .* 0 blob\(s\) fetched/);
    served.set("/example.com/tool-linux-arm64.tar.gz", randomBytes(40_000));
    const third = await kplay(build);
    expect(third.code, third.stderr).toBe(0);
    expect(gets).toEqual(["/example.com/tool-linux-arm64.tar.gz"]);
    expect(sha(readFileSync(join(out, "arm64", "files", "example.com", "tool-linux-arm64.tar.gz")))).toBe(
      sha(served.get("/example.com/tool-linux-arm64.tar.gz")!),
    );
    execFileSync("sha256sum", ["-c", "--quiet", "sha256sum.txt"], { cwd: out });
  });
});
