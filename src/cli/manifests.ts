// Owns `kplay images list` and `kplay manifests rewrite`: the images a set of Kubernetes
// manifests refers to, and those manifests pointed at the internal registry (YAML-aware, every
// other byte kept), with each change reported.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { readTextInput } from "../input-file.js";
import { KplayError } from "../errors.js";
import { distinctImages, findImages, rewriteImages, type ImageUse } from "../images/manifests.js";
import { writeFileAtomic } from "../state/atomic.js";
import { parse } from "./options.js";

export const IMAGES_LIST_HELP = `\
Usage: kplay images list MANIFEST... [--json] [--as-written]

Every container image the manifests refer to (containers, initContainers and ephemeralContainers
of any object: Pods, Deployments, DaemonSets, StatefulSets, Jobs, CronJobs, Lists, custom
resources that embed pod templates), found structurally in multi-document YAML or JSON,
deduplicated and sorted, one per line, fully qualified (nginx -> docker.io/library/nginx:latest).
MANIFEST is a file, a directory (its *.yaml, *.yml and *.json, recursively) or - for standard
input (e.g. helm template ... | kplay images list -).

Options:
      --as-written   print the references as the manifests write them (still deduplicated)
      --json         one JSON object per use: file, line, path, object, image, normalized
  -h, --help         this help`;

export const MANIFESTS_HELP = `\
Usage: kplay manifests rewrite MANIFEST... --registry HOST[:PORT]/PROJECT [--check] [options]

Point every container image of the manifests at the internal registry:
  docker.io/calico/node:v3.26.4       -> HOST/PROJECT/calico/node:v3.26.4
  nginx:1.25                          -> HOST/PROJECT/nginx:1.25
  registry.k8s.io/pause:3.9           -> HOST/PROJECT/pause:3.9
Tags and digests are kept; images already under HOST/PROJECT are left alone. Only the image
values change: comments, quoting and layout are kept byte for byte. Each change is reported as
FILE:LINE PATH FROM -> TO. Files are replaced atomically.

Options:
      --registry R          the target, host[:port]/project (required)
      --keep-registry-path  keep the upstream host in the path (HOST/PROJECT/registry.k8s.io/pause:3.9),
                            the layout containerd's override_path mirrors read
      --check               report what would change, write nothing; exit 1 when something would
      --json                changes as JSON lines
  -h, --help                this help`;

/** Manifest files named by the arguments (files, directories recursively, "-" for stdin). */
export function manifestInputs(args: string[]): Array<{ file: string; text: string }> {
  if (!args.length)
    throw new KplayError("usage", "no manifest given", { hint: "a file, a directory, or - for standard input" });
  const out: Array<{ file: string; text: string }> = [];
  const walk = (p: string, top: boolean): void => {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new KplayError("input", "no such file or directory", { where: { file: p } });
    }
    if (st.isDirectory()) {
      for (const e of readdirSync(p).sort()) {
        const q = join(p, e);
        if (statSync(q).isDirectory() || /\.(ya?ml|json)$/i.test(e)) walk(q, false);
      }
    } else if (top || /\.(ya?ml|json)$/i.test(p)) out.push({ file: p, text: readTextInput(p) });
  };
  for (const a of args) {
    if (a === "-") out.push({ file: "<stdin>", text: readFileSync(0, "utf8") });
    else walk(a, true);
  }
  return out;
}

export async function imagesListCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { json: { type: "boolean" }, "as-written": { type: "boolean" }, help: { type: "boolean", short: "h" } },
    "images list",
  );
  if (values.help) {
    console.log(IMAGES_LIST_HELP);
    return 0;
  }
  const uses: ImageUse[] = manifestInputs(positionals).flatMap((m) => findImages(m.text, m.file).uses);
  if (values.json) {
    for (const u of uses)
      console.log(
        JSON.stringify({
          file: u.file,
          line: u.line,
          path: u.path,
          object: u.object,
          image: u.image,
          normalized: u.normalized,
        }),
      );
  } else {
    const list = values["as-written"] ? [...new Set(uses.map((u) => u.image))].sort() : distinctImages(uses);
    if (list.length) console.log(list.join("\n"));
  }
  return 0;
}

export async function manifestsCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === "--help" || sub === "-h") {
    console.log(MANIFESTS_HELP);
    return sub ? 0 : 2;
  }
  if (sub !== "rewrite")
    throw new KplayError("usage", `unknown manifests command "${sub}"`, { hint: "kplay manifests rewrite --help" });
  const { values, positionals } = parse(
    rest,
    {
      registry: { type: "string" },
      "keep-registry-path": { type: "boolean" },
      check: { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    "manifests rewrite",
  );
  if (values.help) {
    console.log(MANIFESTS_HELP);
    return 0;
  }
  const registry = values.registry;
  if (!registry) throw new KplayError("usage", "manifests rewrite needs --registry HOST[:PORT]/PROJECT");
  if (!/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/i.test(registry.replace(/\/+$/, ""))) {
    throw new KplayError(
      "usage",
      `--registry ${registry}: expected HOST[:PORT]/PROJECT such as kube.registry.local/library`,
    );
  }
  if (positionals.includes("-") && !values.check)
    throw new KplayError("usage", "standard input can only be checked (--check): there is no file to write");
  // every manifest is read and rewritten in memory first: one that cannot be read leaves all unwritten
  const rewritten = manifestInputs(positionals).map((m) => ({
    file: m.file,
    r: rewriteImages(findImages(m.text, m.file), registry, { keepRegistry: values["keep-registry-path"] }),
  }));
  let pending = 0;
  for (const { file, r } of rewritten) {
    for (const c of r.changes)
      console.log(values.json ? JSON.stringify(c) : `${c.file}:${c.line} ${c.path} ${c.from} -> ${c.to}`);
    pending += r.changes.length;
    if (r.changes.length && !values.check) writeFileAtomic(file, r.text, statSync(file).mode & 0o7777);
  }
  if (!values.json)
    process.stderr.write(`${pending} image reference(s) ${values.check ? "would change" : "changed"}\n`);
  return values.check && pending > 0 ? 1 : 0;
}
