// Owns container image references as Docker and containerd read them: parsing (registry, path,
// tag, digest), normalising short Docker Hub names (busybox -> docker.io/library/busybox:latest),
// and mapping a reference into another registry's project (the internal registry).

export interface ImageRef {
  /** Registry host[:port], "docker.io" for Docker Hub. */
  registry: string;
  /** Repository path inside the registry ("library/busybox", "calico/node"). */
  path: string;
  tag?: string;
  digest?: string;
}

const DOMAIN =
  /^(localhost|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d+)?|\[[0-9a-f:]+\](:\d+)?)$/i;
const COMPONENT = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+([+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;
const DOCKER_HUB = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/** A registry host as kplay names it: lower case, Docker Hub's aliases as docker.io. */
export function registryName(host: string): string {
  const h = host.toLowerCase();
  return DOCKER_HUB.has(h) ? "docker.io" : h;
}

export class ReferenceError extends Error {}

/** Parse an image reference; throws ReferenceError naming what is wrong. */
export function parseRef(text: string): ImageRef {
  const s = text.trim();
  if (!s) throw new ReferenceError("empty image reference");
  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new ReferenceError(`"${s}": "${digest}" is not a digest (algorithm:hex)`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new ReferenceError(`"${s}": "${tag}" is not a valid tag`);
  }
  const parts = rest.split("/");
  let registry = "docker.io";
  if (
    parts.length > 1 &&
    (parts[0].includes(".") || parts[0].includes(":") || parts[0] === "localhost" || parts[0].startsWith("["))
  ) {
    registry = parts.shift()!;
    if (!DOMAIN.test(registry)) throw new ReferenceError(`"${s}": "${registry}" is not a registry host`);
  }
  if (DOCKER_HUB.has(registry.toLowerCase())) registry = "docker.io"; // other hosts keep their spelling
  if (registry === "docker.io" && parts.length === 1) parts.unshift("library");
  for (const p of parts)
    if (!COMPONENT.test(p))
      throw new ReferenceError(`"${s}": "${p}" is not a valid repository name component (lower case, digits, . _ -)`);
  return { registry, path: parts.join("/"), tag, digest };
}

/** The fully qualified form: registry/path[:tag][@digest], ":latest" when neither is given. */
export function formatRef(r: ImageRef, o: { defaultTag?: boolean } = {}): string {
  const tag = r.tag ?? (r.digest || o.defaultTag === false ? undefined : "latest");
  return `${r.registry}/${r.path}${tag ? `:${tag}` : ""}${r.digest ? `@${r.digest}` : ""}`;
}

export const normalizeRef = (text: string): string => formatRef(parseRef(text));

/** The path an image gets in another registry: the upstream path, Docker Hub's "library/" dropped
 *  (docker.io/library/busybox -> busybox, docker.io/calico/node -> calico/node,
 *  registry.k8s.io/coredns/coredns -> coredns/coredns). With keepRegistry the upstream host
 *  leads the path (registry.k8s.io/pause -> registry.k8s.io/pause): the layout containerd's
 *  override_path mirrors read. */
export function mappedPath(r: ImageRef, o: { keepRegistry?: boolean } = {}): string {
  const path =
    r.registry === "docker.io" && r.path.startsWith("library/") && !o.keepRegistry
      ? r.path.slice("library/".length)
      : r.path;
  return o.keepRegistry ? `${r.registry}/${path}` : path;
}

/** `ref` moved under `prefix` (host[:port][/project...]), tag and digest kept. */
export function retarget(ref: ImageRef, prefix: string, o: { keepRegistry?: boolean } = {}): ImageRef {
  const clean = prefix.replace(/\/+$/, "");
  const [registry, ...project] = clean.split("/");
  return { registry, path: [...project, mappedPath(ref, o)].join("/"), tag: ref.tag, digest: ref.digest };
}

/** True when `ref` already lives under `prefix` (host[/project]). */
export function isUnder(ref: ImageRef, prefix: string): boolean {
  const p = prefix.replace(/\/+$/, "");
  return `${ref.registry}/${ref.path}`.startsWith(`${p}/`);
}
