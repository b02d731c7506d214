// Owns the cluster config.yaml as kubeplay users write it: sections compose, kubespray, inventory
// and default, validated with zod (every error names file, line and field); references such as
// `registry_ip: internal_ip` or `offline_resources_url: internal_ip:nginx_http_port` resolved
// against compose; URLs checked for a scheme; and the variables every step playbook uses
// (download_url, apt repo URL, registry host/URL, mirrored registries…) derived in one place.
import { dirname, resolve } from "node:path";
import { isIP } from "node:net";
import { z } from "zod";
import { closest, inputError } from "../errors.js";
import type { Vars } from "../inventory/model.js";
import { plainIssue } from "../plain-issue.js";
import type { YamlSource } from "../yaml-source.js";

/** Registries whose images nodes pull by upstream name through the internal registry. */
export const DEFAULT_MIRRORED = ["docker.io", "registry.k8s.io", "k8s.gcr.io", "quay.io", "ghcr.io"];

const port = z.coerce
  .number({ error: "must be a port number (1-65535)" })
  .int({ error: "must be a port number (1-65535)" })
  .min(1, { error: "must be a port number (1-65535)" })
  .max(65535, { error: "must be a port number (1-65535)" });
const HOSTNAME = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/;
const hostname = z.string().regex(HOSTNAME, "must be a DNS name such as kube.registry.local");

const compose = z
  .object({
    internal_ip: z.string().optional(),
    nginx_http_port: port.default(8080),
    registry_domain: hostname.default("kube.registry.local"),
    /** kplay: where the unpacked bundle is on the bootstrap host (default: bundle/ beside config.yaml). */
    bundle_dir: z.string().optional(),
  })
  .loose();

const kubespray = z
  .object({
    kube_version: z
      .string()
      .regex(/^v\d+\.\d+\.\d+$/, "must look like v1.28.4")
      .optional(),
    external_apiserver_access_ip: z.string().optional(),
    kube_network_plugin: z.enum(["calico", "flannel", "cilium", "cni"]).default("calico"),
    container_manager: z
      .literal("containerd", { error: "only containerd is supported for offline installs" })
      .default("containerd"),
    etcd_deployment_type: z.literal("host", { error: "only host is supported with containerd" }).default("host"),
    /** kplay: manifests 05-cluster-apps applies, images pointed at the internal registry. */
    cluster_apps: z
      .array(
        z
          .object({
            name: z
              .string()
              .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, "must be a lower-case name such as metrics-server"),
            url: z
              .string()
              .regex(/^(https?:\/\/\S+|[^\s/][^\s]*)$/, "must be a path under the files server or an http(s) URL"),
            checksum: z
              .string()
              .regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 hex digits>")
              .optional(),
          })
          .strict(),
      )
      .default([])
      .superRefine((apps, ctx) => {
        const seen = new Set<string>();
        apps.forEach((a, i) => {
          if (seen.has(a.name))
            ctx.addIssue({ code: "custom", path: [i, "name"], message: `"${a.name}" is listed twice` });
          seen.add(a.name);
        });
      }),
  })
  .loose();

const defaults = z
  .object({
    ntp_server: z.union([z.string(), z.array(z.string())]).optional(),
    registry_ip: z.string().optional(),
    offline_resources_url: z.string().optional(),
    offline_resources_enabled: z.boolean().default(true),
    image_repository: z
      .string()
      .regex(/^[a-z0-9]+([._/-][a-z0-9]+)*$/, "must be a registry project such as library")
      .default("library"),
    generate_domain_crt: z.boolean().default(true),
    /** kplay: pulls from the internal registry need credentials too (each node's containerd has them). */
    registry_pull_auth: z.boolean().default(false),
    /** kplay: upgrade-cluster's preflight asks the registry for the new control plane images. */
    upgrade_check_images: z.boolean().default(true),
    registry_https_port: port.default(443),
    registry_push_port: port.default(5000),
    download_container: z.boolean().default(false),
    /** kplay: upstream registries served through the internal registry (one hosts.toml each). */
    registry_mirrors: z.array(hostname).default(DEFAULT_MIRRORED),
    /** kplay: containerd snapshotter (overlayfs; the sandbox uses native). */
    containerd_snapshotter: z.enum(["overlayfs", "native", "btrfs", "zfs"]).default("overlayfs"),
    /** kplay: pause image, by upstream name (pulled through the mirror). */
    sandbox_image: z.string().default("registry.k8s.io/pause:3.9"),
    /** kplay: chronyd may not set the clock (containers without CAP_SYS_TIME). */
    chrony_no_clock_control: z.boolean().default(false),
  })
  .loose();

const config = z
  .object({
    compose: compose.default(() => compose.parse({})),
    kubespray: kubespray.default(() => kubespray.parse({})),
    inventory: z.unknown().refine((v) => v !== undefined && v !== null, {
      message: "is missing: the hosts and groups of the cluster go here (see kplay init)",
    }),
    default: defaults.default(() => defaults.parse({})),
  })
  .strict();

export type ClusterConfig = z.infer<typeof config>;

/**
 * Keys a section does not know are passed through as variables (kubespray has hundreds), except
 * one a letter or two away from a known key: that is a typo (`registery_ip`), and an error.
 */
function checkTypos(src: YamlSource, data: unknown): void {
  if (!data || typeof data !== "object") return;
  const sections: Record<string, z.ZodObject> = { compose, kubespray, default: defaults };
  for (const [name, schema] of Object.entries(sections)) {
    const section = (data as Record<string, unknown>)[name];
    if (!section || typeof section !== "object") continue;
    const known = Object.keys(schema.shape);
    for (const key of Object.keys(section)) {
      if (known.includes(key)) continue;
      const near = closest(key, known);
      if (near && near !== key && nearMiss(key, near))
        throw inputError(
          "unknown key",
          { file: src.file, ...src.keyPos([name, key]), field: `${name}.${key}` },
          `did you mean "${near}"?`,
        );
    }
  }
}

/** Two keys at most two edits apart (a typo), not merely sharing letters. */
function nearMiss(a: string, b: string): boolean {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length] <= 2;
}

/** The value at a path of the parsed YAML (what the user wrote), for messages. */
function valueAt(data: unknown, path: Array<string | number>): unknown {
  let v = data;
  for (const k of path) v = v && typeof v === "object" ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

/** Validate the config file's sections (the inventory section is read by the inventory loader). */
export function parseClusterConfig(src: YamlSource): ClusterConfig {
  checkTypos(src, src.data);
  const r = config.safeParse(src.data ?? {});
  if (!r.success) {
    const i = r.error.issues[0];
    const path = i.path.filter((p): p is string | number => typeof p !== "symbol");
    const field = path.join(".") || "(top level)";
    const pos = i.code === "unrecognized_keys" ? src.keyPos([...path, i.keys[0]]) : src.pos(path);
    // the location names the field once; the message says what is wrong in plain words
    if (i.code === "unrecognized_keys")
      throw inputError("unknown section (expected compose, kubespray, inventory, default)", {
        file: src.file,
        ...pos,
        field: path.length ? `${field}.${i.keys[0]}` : i.keys[0],
      });
    throw inputError(plainIssue(i, valueAt(src.data, path)), { file: src.file, ...pos, field });
  }
  return r.data;
}

/**
 * The variables the step playbooks use, for every host. `bootstrapIp` is the bootstrap host's
 * address when the config leaves internal_ip out.
 */
/** compose.bundle_dir on the controller: relative to config.yaml's folder, "bundle" when not given. */
export function bundleDirOf(configFile: string, given: unknown): string {
  return resolve(dirname(resolve(configFile)), typeof given === "string" ? given : "bundle");
}

export function clusterVars(cfg: ClusterConfig, src: YamlSource, bootstrapIp?: string): Vars {
  const err = (path: Array<string | number>, msg: string, hint?: string) =>
    inputError(msg, { file: src.file, ...src.pos(path), field: path.join(".") }, hint);
  const c = cfg.compose;
  const internalIp = c.internal_ip ?? bootstrapIp;
  if (!internalIp)
    throw err(["compose", "internal_ip"], "is required (the bootstrap node's address on the node network)");
  if (!isIP(internalIp)) throw err(["compose", "internal_ip"], `must be an IP address, got "${internalIp}"`);
  const composeVals: Record<string, string> = {
    internal_ip: internalIp,
    nginx_http_port: String(c.nginx_http_port),
    registry_domain: c.registry_domain,
  };
  // kubeplay writes references to compose fields: `internal_ip` or `internal_ip:nginx_http_port`.
  const ref = (v: string): string | undefined => {
    const parts = v.split(":");
    if (!parts.every((p) => p in composeVals)) return undefined;
    return parts.map((p) => composeVals[p]).join(":");
  };
  const d = cfg.default;
  const registryIp = d.registry_ip === undefined ? internalIp : (ref(d.registry_ip) ?? d.registry_ip);
  if (!isIP(registryIp))
    throw err(
      ["default", "registry_ip"],
      `must be an IP address or a compose field such as internal_ip, got "${d.registry_ip}"`,
    );
  const ntp = (
    d.ntp_server === undefined ? ["internal_ip"] : Array.isArray(d.ntp_server) ? d.ntp_server : [d.ntp_server]
  ).map((v) => ref(v) ?? v);
  const resources = resourcesUrl(d.offline_resources_url, {
    ref,
    err,
    fallback: `http://${internalIp}:${c.nginx_http_port}`,
  });
  checkAddress(cfg.kubespray.external_apiserver_access_ip, (m) =>
    err(["kubespray", "external_apiserver_access_ip"], m),
  );
  const ntpPath = (i: number) => ["default", "ntp_server", ...(Array.isArray(d.ntp_server) ? [i] : [])];
  ntp.forEach((server, i) => checkAddress(server, (m) => err(ntpPath(i), m)));
  const registryHost =
    d.registry_https_port === 443 ? c.registry_domain : `${c.registry_domain}:${d.registry_https_port}`;
  return {
    ...cfg.kubespray,
    ...d,
    ...c,
    internal_ip: internalIp,
    registry_ip: registryIp,
    ntp_server: ntp,
    offline_resources_url: resources,
    bundle_dir: bundleDirOf(src.file, c.bundle_dir),
    // kplay's derived names (documented in README)
    download_url: `${resources}/files`,
    kplay_repo_url: `${resources}/repos`,
    registry_host: registryHost,
    registry_url: `https://${registryHost}`,
    registry_push_url: `http://127.0.0.1:${d.registry_push_port}`,
    registry_mirrors: [...new Set([...d.registry_mirrors, registryHost])],
    kube_image_repo: `${registryHost}/${d.image_repository}`,
  };
}

/** offline_resources_url: a compose reference or an http(s) URL, without a trailing slash. */
function resourcesUrl(
  given: string | undefined,
  o: {
    ref: (v: string) => string | undefined;
    err: (path: string[], msg: string, hint?: string) => Error;
    fallback: string;
  },
): string {
  const refd = given === undefined ? undefined : o.ref(given);
  const url = (given === undefined ? o.fallback : refd ? `http://${refd}` : given).replace(/\/+$/, "");
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1];
  const path = ["default", "offline_resources_url"];
  checkUrl(url, () =>
    scheme
      ? o.err(path, `"${given}" must be an http:// or https:// URL (not ${scheme}://)`)
      : o.err(
          path,
          `"${given}" is not a URL: it needs a scheme, e.g. http://${given}`,
          "or use a compose reference such as internal_ip:nginx_http_port",
        ),
  );
  return url;
}

/**
 * An IP address or a DNS name; something that looks like an IPv4 address must be a valid one
 * (999.1.1.1 is not a name). `fail` makes the error (with its place) from the message.
 */
export function checkAddress(v: string | undefined, fail: (message: string) => Error): void {
  if (v === undefined || v.includes("{{")) return;
  const dotted = /^[\d.]+$/.test(v);
  if (isIP(v) !== 0 || (!dotted && HOSTNAME.test(v))) return;
  throw fail(`"${v}" is not ${dotted ? "a valid IPv4 address" : "an IP address or a host name"}`);
}

function checkUrl(url: string, fail: () => Error): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw fail();
  }
  if (!["http:", "https:", "file:"].includes(u.protocol) || (u.protocol !== "file:" && !u.hostname)) throw fail();
}
