// Owns `kplay bundle list files|images`: the bundle's download and image lists, generated from
// the download variables (playbooks/vars/download.yml), config.yaml's kubespray section and -e,
// for each architecture asked for.
import { TransferView } from "../report/transfers.js";
import { secrets } from "../report/redact.js";
import { KplayError } from "../errors.js";
import { ARCHES, bundleLists, distinct, readDownloadVars } from "../bundle/lists.js";
import { DOWNLOAD_VARS } from "../bundle/sandbox-bundle.js";
import { parseClusterConfig, type ClusterConfig } from "../config/cluster.js";
import { parseExtraVars } from "../engine/vars.js";
import { readYamlFile } from "../yaml-source.js";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { hostAptSources } from "../bundle/apt-download.js";
import { buildBundle } from "../bundle/build.js";
import { publishBundle } from "../bundle/publish.js";
import { caFiles, credentialStore, OPTIONS, positiveInt, registryClient, type Values } from "./registry-options.js";
import { parse } from "./options.js";
import { KPLAY_ROOT, kplayVersion } from "../version.js";

export const BUNDLE_HELP = `\
Usage: kplay bundle list files|images [-c CONFIG] [-e KEY=VALUE|@FILE] [--arch A[,A]] [--json]
       kplay bundle build --out DIR [-c CONFIG] [-e ...] [--arch A[,A]] [options]
       kplay bundle publish --from DIR --to (https://SERVER/PREFIX | s3://BUCKET/PREFIX) [options]

Commands:
  list      the bundle's files (upstream URLs) or images (upstream references)
  build     on a connected machine: download files, images and packages into a bundle per architecture
  publish   put the built files on a server the customer runs (HTTP PUT or S3)

"kplay help bundle COMMAND" (or "kplay bundle COMMAND --help") for its options.`;

const LIST_HELP = `\
Usage: kplay bundle list files|images [-c CONFIG] [-e KEY=VALUE|@FILE] [--arch A[,A]] [--json]

The bundle's lists, generated from the download variables kplay's steps use (every
*_download_url is a file, every *_image_repo with its *_image_tag an image), never kept by hand:
  files    upstream URLs of the binaries and manifests (files/<host>/<path> in the bundle)
  images   upstream image references, to mirror into the internal registry
Versions come from config.yaml's kubespray section (kube_version) and -e (e.g. -e
calico_version=v3.26.4), over the shipped defaults.

Options:
  -c, --config FILE      the cluster's config.yaml
  -e, --extra-vars V     KEY=VALUE, @FILE or JSON; repeatable
      --arch A[,A]       architectures (default amd64,arm64)
      --vars FILE        download variables to read instead of kplay's own
      --json             one JSON object per entry: name, arch, value
  -h, --help             this help`;

const BUILD_HELP = `\
Usage: kplay bundle build --out DIR [-c CONFIG] [-e ...] [--arch A[,A]] [options]

On a connected machine, makes per architecture DIR/ARCH/files/<host>/<path>
(each file with a .sha256 beside it), DIR/ARCH/images (an OCI layout holding that platform of
every image; push it with kplay images push --from-dir DIR/ARCH/images), DIR/ARCH/registry (the
same images as docker-registry storage under PROJECT/<path> and <upstream host>/<path>, as the
bootstrap node serves them; PROJECT from --project or config.yaml, default library),
DIR/ARCH/sha256sum.txt, and DIR/kplay-bundle-ARCH.tar.gz with DIR/sha256sum.txt over the
tarballs. With --packages, also DIR/ARCH/repos/DISTRO-ARCH: those packages and every dependency,
as a flat apt repository signed with the bundle key (public key in repos/kplay-bundle.asc; the
secret key stays in --signing-key-dir, never in a tarball). Re-running downloads only files that
changed upstream, image blobs not yet fetched and packages not yet in the cache (DIR/.apt-ARCH).
What is downloaded comes from the same lists as "kplay bundle list".

Options:
  -c, --config FILE      the cluster's config.yaml
  -e, --extra-vars V     KEY=VALUE, @FILE or JSON; repeatable
      --arch A[,A]       architectures (default amd64,arm64)
      --vars FILE        download variables to read instead of kplay's own
      --files-from PREFIX  fetch files from PREFIX/<host>/<path> (an http(s) mirror, or a directory
                           laid out the same way) instead of upstream
      --packages P[,P]     OS packages to include (repeatable; @FILE reads one per line)
      --apt-source LINE    a sources.list line to resolve them from (repeatable), e.g.
                           "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] URL bookworm main"
      --host-apt-sources   resolve them from this machine's own apt sources (same distribution)
      --dpkg-status FILE   the target's /var/lib/dpkg/status as installed (default: nothing installed,
                           so every dependency is included)
      --distro NAME        the repository's name before -ARCH (default debian-12, as nodes look it up)
      --signing-key-dir D  GnuPG home holding the bundle key, made once (default DIR/.signing-key)
      --release-dir DIR    where kplay's releases are (npm run release; default release/ of this
                           kplay): DIR/kplay-VERSION-linux-ARCH.tar.gz goes into the bundle as
                           ARCH/kplay/, so the bundle carries its installer
      --no-tar             leave the directories, write no tarballs
      --concurrency N, --auth-file FILE, --ca-file FILE, --plain-http HOST
                           as for kplay images mirror
  -h, --help             this help`;

const PUBLISH_HELP = `\
Usage: kplay bundle publish --from DIR --to (https://SERVER/PREFIX | s3://BUCKET/PREFIX) [options]

Puts the built files (DIR/ARCH/files, every architecture built) on a server the customer runs,
paths kept: DIR/ARCH/files/<host>/<path> -> TO/<host>/<path>, each file's .sha256 after it. Point
offline_resources_url (or download_url) at TO. Files whose published checksum matches are skipped.
  http(s)://   HTTP PUT (WebDAV, Nexus raw and Artifactory generic repositories accept it);
               credentials for the host from --auth-file or --username U --password-stdin
  s3://        an S3-compatible store (AWS, MinIO, Ceph RGW), path-style, SigV4; credentials from
               AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN)

Options:
      --arch A[,A]         architectures to publish (default: every one built)
      --s3-endpoint URL    the store's URL (default https://s3.REGION.amazonaws.com)
      --s3-region R        (default AWS_REGION, else us-east-1)
      --auth-file FILE, --username U --password-stdin, --ca-file FILE, --concurrency N
  -h, --help               this help`;

export async function bundleCommand(argv: string[]): Promise<number> {
  const [sub, what, ...rest] = argv;
  if (!sub || sub === "--help" || sub === "-h") {
    console.log(BUNDLE_HELP);
    return sub ? 0 : 2;
  }
  if (sub === "build") return buildCommand(argv.slice(1));
  if (sub === "publish") return publishCommand(argv.slice(1));
  if (sub !== "list")
    throw new KplayError("usage", `unknown bundle command "${sub}"`, {
      hint: "kplay bundle list files|images, or kplay bundle build",
    });
  if (what === "--help" || what === "-h") {
    console.log(LIST_HELP);
    return 0;
  }
  if (what !== "files" && what !== "images")
    throw new KplayError("usage", `bundle list takes files or images${what ? `, not "${what}"` : ""}`);
  const { values, positionals } = parse(
    rest,
    { ...LIST_OPTIONS, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    "bundle list",
  );
  if (values.help) {
    console.log(LIST_HELP);
    return 0;
  }
  if (positionals.length)
    throw new KplayError("usage", `bundle list ${what} takes no arguments (got ${positionals.join(" ")})`);
  const arches = archesOf(values.arch);
  const lists = listsFor(values, arches, values.config ? parseClusterConfig(readYamlFile(values.config)) : undefined);
  const entries = what === "files" ? lists.files : lists.images;
  if (values.json) for (const e of entries) console.log(JSON.stringify(e));
  else {
    const out = distinct(entries);
    if (out.length) console.log(out.join("\n"));
  }
  return 0;
}

const LIST_OPTIONS = {
  config: { type: "string", short: "c" },
  "extra-vars": { type: "string", short: "e", multiple: true },
  arch: { type: "string", multiple: true },
  vars: { type: "string" },
} as const;

function archesOf(v: string[] | undefined): string[] {
  const arches = (v ?? [...ARCHES])
    .flatMap((a) => a.split(","))
    .map((a) => a.trim())
    .filter(Boolean);
  for (const a of arches)
    if (!(ARCHES as readonly string[]).includes(a))
      throw new KplayError("usage", `--arch ${a}: kplay's bundles are for ${ARCHES.join(" and ")}`);
  return [...new Set(arches)];
}

function listsFor(
  values: { "extra-vars"?: string[]; vars?: string },
  arches: string[],
  cfg: ClusterConfig | undefined,
) {
  const file = values.vars ?? DOWNLOAD_VARS;
  const fromConfig = cfg?.kubespray ?? {};
  const vars = { ...readDownloadVars(file), ...fromConfig, ...parseExtraVars(values["extra-vars"] ?? []) };
  return bundleLists(vars, arches, file);
}

const BUILD_OPTIONS = {
  ...LIST_OPTIONS,
  ...OPTIONS,
  out: { type: "string" },
  "files-from": { type: "string" },
  "no-tar": { type: "boolean" },
  packages: { type: "string", multiple: true },
  "apt-source": { type: "string", multiple: true },
  "host-apt-sources": { type: "boolean" },
  "dpkg-status": { type: "string" },
  distro: { type: "string" },
  "signing-key-dir": { type: "string" },
  "release-dir": { type: "string" },
} as const;

type BuildValues = ReturnType<typeof parse<typeof BUILD_OPTIONS>>["values"];

async function buildCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, BUILD_OPTIONS, "bundle build");
  if (values.help) {
    console.log(BUILD_HELP);
    return 0;
  }
  if (positionals.length)
    throw new KplayError("usage", `bundle build takes no arguments (got ${positionals.join(" ")})`);
  if (!values.out) throw new KplayError("usage", "bundle build needs --out DIR");
  const filesFrom = filesFromOption(values["files-from"]);
  const arches = archesOf(values.arch);
  const cfg = values.config ? parseClusterConfig(readYamlFile(values.config)) : undefined;
  const lists = listsFor(values, arches, cfg);
  const packages = packagesOf(values, values.out);
  const view = new TransferView();
  const client = await registryClient(values as Values, undefined, { meter: view });
  const ca = caFiles(values["ca-file"]);
  const t0 = Date.now();
  try {
    const project = values.project ?? cfg?.default.image_repository ?? "library";
    const r = await buildBundle({
      out: resolve(values.out),
      project,
      arches,
      files: lists.files,
      images: lists.images,
      client,
      ca,
      filesFrom,
      concurrency: positiveInt(values.concurrency, "concurrency", 5),
      tarballs: !values["no-tar"],
      packages,
      releases: { dir: resolve(values["release-dir"] ?? join(KPLAY_ROOT, "release")), version: kplayVersion() },
      meter: view,
      log: (l) => view.print(l),
    });
    view.close();
    const took = `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    process.stderr.write(
      `bundle in ${values.out}: ${r.downloaded} file(s) downloaded (${r.bytes} bytes), ${r.unchanged} unchanged, ` +
        `${r.images} image(s), ${r.blobsSent} blob(s) fetched, ${r.packages} package(s), ` +
        `${r.tarballs.length} tarball(s), ${took}\n`,
    );
    return 0;
  } finally {
    view.close();
    client.close();
  }
}

/** The OS packages to resolve into the bundle's apt repository, from --packages and its companions. */
function packagesOf(values: BuildValues, out: string) {
  const pkgs = packagesOption(values.packages);
  if (pkgs.length && !values["apt-source"]?.length && !values["host-apt-sources"])
    throw new KplayError("usage", "--packages needs --apt-source LINE or --host-apt-sources to resolve them from");
  const distro = values.distro ?? "debian-12";
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(distro))
    throw new KplayError("usage", `--distro ${distro}: expected a name such as debian-12 or ubuntu-22`);
  if (!pkgs.length) return undefined;
  return {
    list: pkgs,
    sources: values["apt-source"] ?? [],
    sourceFiles: values["host-apt-sources"] ? hostAptSources() : undefined,
    status: values["dpkg-status"],
    distro,
    caFile: values["ca-file"]?.[0],
    keyDir: resolve(values["signing-key-dir"] ?? join(out, ".signing-key")),
  };
}

/** --files-from: an http(s)/file URL prefix as given, or a directory as a file: URL. */
function filesFromOption(v: string | undefined): string | undefined {
  if (!v || /^(https?|file):\/\/\S+$/.test(v)) return v;
  if (!existsSync(v)) throw new KplayError("usage", `--files-from ${v}: expected an http(s) URL prefix or a directory`);
  return pathToFileURL(resolve(v)).toString();
}

/** --packages a,b and --packages @file (one per line, # comments), each a Debian package name. */
function packagesOption(values: string[] | undefined): string[] {
  const pkgs = (values ?? [])
    .flatMap((p) =>
      p.startsWith("@")
        ? readFileSync(p.slice(1), "utf8")
            .split("\n")
            .map((l) => l.replace(/#.*/, "").trim())
        : p.split(","),
    )
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of pkgs)
    if (!/^[a-z0-9][a-z0-9+.-]+(:[a-z0-9]+)?(=[\w.+~:-]+)?$/.test(p))
      throw new KplayError("usage", `--packages: "${p}" is not a Debian package name`);
  return pkgs;
}

/** The architectures to publish: --arch, or every ARCH/files directory the bundle has. */
function publishArches(from: string, arch: string[] | undefined, given: string): string[] {
  const arches = arch
    ? archesOf(arch)
    : readdirSync(from)
        .filter((d) => existsSync(join(from, d, "files")))
        .sort();
  if (!arches.length)
    throw new KplayError("input", "no ARCH/files in it: run kplay bundle build --out DIR first", {
      where: { file: given },
    });
  return arches;
}

/** An s3:// target's endpoint, region and credentials (from the environment; secrets from now on). */
function s3Target(o: { endpoint?: string; region?: string }) {
  const id = process.env.AWS_ACCESS_KEY_ID;
  const secret = process.env.AWS_SECRET_ACCESS_KEY;
  if (!id || !secret)
    throw new KplayError(
      "usage",
      "an s3:// target needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment",
    );
  // S3 credentials are secrets: masked in every message from here on
  secrets.add(secret);
  secrets.add(process.env.AWS_SESSION_TOKEN);
  const region = o.region ?? process.env.AWS_REGION ?? "us-east-1";
  const endpoint = o.endpoint ?? `https://s3.${region}.amazonaws.com`;
  if (!/^https?:\/\/[^/\s]+(\/\S*)?$/.test(endpoint))
    throw new KplayError("usage", `--s3-endpoint ${endpoint}: expected http(s)://HOST[:PORT][/PATH]`);
  const credentials = { accessKeyId: id, secretAccessKey: secret, sessionToken: process.env.AWS_SESSION_TOKEN };
  return { endpoint, region, credentials };
}

async function publishCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      from: { type: "string" },
      to: { type: "string" },
      arch: { type: "string", multiple: true },
      "auth-file": { type: "string" },
      username: { type: "string" },
      "password-stdin": { type: "boolean" },
      "ca-file": { type: "string", multiple: true },
      "s3-endpoint": { type: "string" },
      "s3-region": { type: "string" },
      concurrency: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    "bundle publish",
  );
  if (values.help) {
    console.log(PUBLISH_HELP);
    return 0;
  }
  if (positionals.length)
    throw new KplayError("usage", `bundle publish takes no arguments (got ${positionals.join(" ")})`);
  if (!values.from || !values.to) throw new KplayError("usage", "bundle publish needs --from DIR and --to URL");
  const to = values.to;
  if (!/^(https?|s3):\/\/\S+$/.test(to))
    throw new KplayError("usage", `--to ${to}: expected https://SERVER/PREFIX, http://... or s3://BUCKET/PREFIX`);
  const from = resolve(values.from);
  if (!existsSync(from))
    throw new KplayError("input", "no such directory (the --out of kplay bundle build)", {
      where: { file: values.from },
    });
  const arches = publishArches(from, values.arch, values.from);
  const s3 = to.startsWith("s3://")
    ? s3Target({ endpoint: values["s3-endpoint"], region: values["s3-region"] })
    : undefined;
  const host = s3 ? undefined : new URL(to).host;
  const credentials = host ? credentialStore(values, host).get(host) : undefined;
  const t0 = Date.now();
  const view = new TransferView();
  const r = await publishBundle({
    dir: from,
    arches,
    to,
    credentials,
    s3,
    ca: caFiles(values["ca-file"]),
    concurrency: positiveInt(values.concurrency, "concurrency", 5),
    meter: view,
    log: (l) => view.print(l),
  }).finally(() => view.close());
  process.stderr.write(
    `published to ${to}: ${r.sent} file(s) sent (${r.bytes} bytes), ${r.skipped} already there, ` +
      `${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  return 0;
}
