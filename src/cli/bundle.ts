// Owns `kplay bundle list files|images`: the bundle's download and image lists, generated from
// the download variables (playbooks/vars/download.yml), config.yaml's kubespray section and -e,
// for each architecture asked for.
import { KplayError } from "../errors.js";
import { ARCHES, bundleLists, distinct, readDownloadVars } from "../bundle/lists.js";
import { DOWNLOAD_VARS } from "../bundle/sandbox-bundle.js";
import { parseClusterConfig } from "../config/cluster.js";
import { parseExtraVars } from "../engine/vars.js";
import { readYamlFile } from "../yaml-source.js";
import { parse } from "./options.js";

export const BUNDLE_HELP = `Usage: kplay bundle list files|images [-c CONFIG] [-e KEY=VALUE|@FILE] [--arch A[,A]] [--json]

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

export async function bundleCommand(argv: string[]): Promise<number> {
  const [sub, what, ...rest] = argv;
  if (!sub || sub === "--help" || sub === "-h") {
    console.log(BUNDLE_HELP);
    return sub ? 0 : 2;
  }
  if (sub !== "list") throw new KplayError("usage", `unknown bundle command "${sub}"`, { hint: "kplay bundle list files|images" });
  if (what === "--help" || what === "-h") {
    console.log(BUNDLE_HELP);
    return 0;
  }
  if (what !== "files" && what !== "images") throw new KplayError("usage", `bundle list takes files or images${what ? `, not "${what}"` : ""}`);
  const { values, positionals } = parse(rest, { config: { type: "string", short: "c" }, "extra-vars": { type: "string", short: "e", multiple: true }, arch: { type: "string", multiple: true }, vars: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } }, "bundle list");
  if (values.help) {
    console.log(BUNDLE_HELP);
    return 0;
  }
  if (positionals.length) throw new KplayError("usage", `bundle list ${what} takes no arguments (got ${positionals.join(" ")})`);
  const arches = (values.arch ?? [...ARCHES]).flatMap((a) => a.split(",")).map((a) => a.trim()).filter(Boolean);
  for (const a of arches) if (!/^[a-z0-9]+$/.test(a)) throw new KplayError("usage", `--arch ${a}: expected an architecture such as amd64 or arm64`);
  const file = values.vars ?? DOWNLOAD_VARS;
  const fromConfig = values.config ? parseClusterConfig(readYamlFile(values.config)).kubespray : {};
  const vars = { ...readDownloadVars(file), ...fromConfig, ...parseExtraVars(values["extra-vars"] ?? []) };
  const lists = bundleLists(vars, arches, file);
  const entries = what === "files" ? lists.files : lists.images;
  if (values.json) for (const e of entries) console.log(JSON.stringify(e));
  else {
    const out = distinct(entries);
    if (out.length) console.log(out.join("\n"));
  }
  return 0;
}
