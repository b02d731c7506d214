// Owns the ipaddr filter family (ansible.utils' ipaddr, ipv4, ipv6, ipwrap — netaddr on the
// controller in Ansible), which kubespray's roles use for every address they derive:
// `kube_service_addresses | ipaddr('net') | ipaddr(1) | ipaddr('address')`. A value is an address
// or a network (IPv4 or IPv6, with a prefix or a dotted netmask); a list keeps the elements whose
// result is not false; an invalid value is false. The queries follow ansible.utils 2.x.

/** An address with its prefix, as netaddr's IPNetwork: `ip` keeps host bits. */
interface Net {
  version: 4 | 6;
  ip: bigint;
  prefix: number;
}

const bits = (v: 4 | 6) => (v === 4 ? 32 : 128);
const all = (v: 4 | 6) => (1n << BigInt(bits(v))) - 1n;
const mask = (n: Net) => (all(n.version) >> BigInt(bits(n.version) - n.prefix)) << BigInt(bits(n.version) - n.prefix);
const network = (n: Net) => n.ip & mask(n);
const size = (n: Net) => 1n << BigInt(bits(n.version) - n.prefix);
const broadcast = (n: Net) => network(n) + size(n) - 1n;

function parseV4(s: string): bigint | undefined {
  const parts = s.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) < 256)) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) + BigInt(p), 0n);
}

function parseV6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || (s.match(/::/g) ?? []).length > 1) return undefined;
  let tail: bigint[] = [];
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const x = parseV4(v4[2]);
    if (x === undefined) return undefined;
    s = v4[1] + "0:0";
    tail = [x >> 16n, x & 0xffffn];
  }
  const [head, rest] = s.includes("::") ? s.split("::") : [s, undefined];
  const groups = (t: string) => (t ? t.split(":") : []);
  const h = groups(head);
  const r = rest === undefined ? [] : groups(rest);
  const missing = 8 - h.length - r.length;
  if (rest === undefined ? missing !== 0 : missing < 1) return undefined;
  const words = [...h, ...Array(rest === undefined ? 0 : missing).fill("0"), ...r];
  if (!words.every((w) => /^[0-9a-fA-F]{1,4}$/.test(w))) return undefined;
  let value = words.reduce((acc, w) => (acc << 16n) + BigInt(parseInt(w, 16)), 0n);
  if (tail.length) value = ((value >> 32n) << 32n) + (tail[0] << 16n) + tail[1];
  return value;
}

function prefixOf(p: string | undefined, version: 4 | 6): number | undefined {
  if (p === undefined) return bits(version);
  if (/^\d+$/.test(p)) return Number(p) <= bits(version) ? Number(p) : undefined;
  const m = version === 4 ? parseV4(p) : undefined; // a dotted netmask
  if (m === undefined) return undefined;
  const ones = m.toString(2).replace(/0+$/, "");
  return /^1*$/.test(ones) && m.toString(2).length === 32 ? ones.length : m === 0n ? 0 : undefined;
}

/** The value as an address or network, or undefined when it is neither. */
export function parseNet(value: string): Net | undefined {
  const [addr, p, extra] = value.trim().split("/");
  if (extra !== undefined || !addr) return undefined;
  const v4 = parseV4(addr);
  const version = v4 !== undefined ? 4 : 6;
  const ip = v4 ?? parseV6(addr);
  const prefix = ip === undefined ? undefined : prefixOf(p, version);
  return ip === undefined || prefix === undefined ? undefined : { version, ip, prefix };
}

function ipText(ip: bigint, version: 4 | 6): string {
  if (version === 4) return [24n, 16n, 8n, 0n].map((s) => String((ip >> s) & 255n)).join(".");
  const words = Array.from({ length: 8 }, (_, i) => Number((ip >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  // the longest run of two or more zero words becomes "::" (RFC 5952, as netaddr prints)
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && words[j] === "0") j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.at < 0) return words.join(":");
  return `${words.slice(0, best.at).join(":")}::${words.slice(best.at + best.len).join(":")}`;
}

const text = (n: Net, ip = n.ip) => ipText(ip, n.version);
const cidr = (n: Net) => `${text(n)}/${n.prefix}`;
const isNetworkAddress = (n: Net) => n.ip === network(n) && n.prefix < bits(n.version) - 1;

const PRIVATE_V4 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"];
const inNet = (n: Net, outer: Net) =>
  n.version === outer.version && n.prefix >= outer.prefix && network({ ...n, prefix: outer.prefix }) === network(outer);
const isPrivate = (n: Net) =>
  n.version === 4 ? PRIVATE_V4.some((p) => inNet(n, parseNet(p)!)) : inNet(n, parseNet("fc00::/7")!);

type Kind = "address" | "network";
type Query = (n: Net, kind: Kind, value: string) => unknown;

const QUERIES: Record<string, Query> = {
  "": (n, kind) => (kind === "address" ? text(n) : cidr(n)),
  address: (n) => (size(n) === 1n || !isNetworkAddress(n) || n.version === 6 ? text(n) : undefined),
  net: (n) => (size(n) > 1n && n.ip === network(n) ? `${text(n, network(n))}/${n.prefix}` : undefined),
  network: (n) => text(n, network(n)),
  netmask: (n) => text(n, mask(n)),
  hostmask: (n) => text(n, all(n.version) ^ mask(n)),
  prefix: (n) => n.prefix,
  broadcast: (n) => (size(n) > 2n ? text(n, broadcast(n)) : undefined),
  host: (n) => (size(n) === 1n ? cidr(n) : n.ip !== network(n) || size(n) <= 2n ? cidr(n) : undefined),
  size: (n) => Number(size(n)),
  size_usable: (n) => (size(n) === 1n ? 0 : size(n) === 2n ? 2 : Number(size(n) - 2n)),
  cidr: (n) => cidr(n),
  subnet: (n) => `${text(n, network(n))}/${n.prefix}`,
  "ip/prefix": (n) => (size(n) === 2n || (size(n) > 1n && n.ip !== network(n)) ? cidr(n) : undefined),
  "address/prefix": (n) => (size(n) > 2n && (n.ip === network(n) || n.ip === broadcast(n)) ? false : cidr(n)),
  first_usable: (n, kind) =>
    kind === "network" && size(n) > 1n ? text(n, network(n) + (size(n) === 2n ? 0n : 1n)) : undefined,
  last_usable: (n, kind) =>
    kind === "network" && size(n) > 1n ? text(n, broadcast(n) - (size(n) === 2n ? 0n : 1n)) : undefined,
  int: (n, kind) => (kind === "address" ? Number(n.ip) : `${n.ip}/${n.prefix}`),
  version: (n) => n.version,
  type: (n) => (size(n) === 1n || n.ip !== network(n) ? "address" : "network"),
  bool: () => true,
  wrap: (n, kind, value) =>
    n.version === 6 ? (kind === "address" ? `[${text(n)}]` : `[${text(n)}]/${n.prefix}`) : value,
  ipv4: (n, _k, value) => (n.version === 4 ? value : undefined),
  ipv6: (n, _k, value) => (n.version === 6 ? value : undefined),
  private: (n, _k, value) => (isPrivate(n) ? value : undefined),
  public: (n, _k, value) =>
    !isPrivate(n) && !inNet(n, parseNet(n.version === 4 ? "127.0.0.0/8" : "::1/128")!) ? value : undefined,
  loopback: (n, _k, value) => (inNet(n, parseNet(n.version === 4 ? "127.0.0.0/8" : "::1/128")!) ? value : undefined),
};
QUERIES.ip = QUERIES.address;
QUERIES.network_id = QUERIES.network;
QUERIES["network/prefix"] = QUERIES.subnet;
QUERIES.lo = QUERIES.loopback;
QUERIES["host/prefix"] = QUERIES.gateway = QUERIES.gw = QUERIES.hostnet = QUERIES["address/prefix"];

export class IpaddrError extends Error {}

/** ipaddr(value, query, version): the query's answer, or false. */
export function ipaddr(value: unknown, query: unknown = "", version?: 4 | 6, alias = "ipaddr"): unknown {
  if (Array.isArray(value))
    return value
      .map((v) => ipaddr(v, query, version, alias))
      .filter((r) => r !== false && r !== undefined && r !== null);
  if (!value || value === true) return false;
  const raw = String(value);
  const n = /^\d+$/.test(raw)
    ? { version: (version ?? 4) as 4 | 6, ip: BigInt(raw), prefix: bits(version ?? 4) }
    : parseNet(raw);
  if (!n || n.ip > all(n.version)) return false;
  const kind: Kind = raw.includes("/") ? "network" : "address";
  if (version && n.version !== version) return false;
  const q = String(query ?? "");
  const f = QUERIES[q];
  // a query with no answer is Python's None (false, and rendered as nothing), not False
  if (f) return f(n, kind, raw) ?? null;
  const lookup = parseNet(q);
  if (lookup && q.includes("/")) return inNet(n, lookup) ? raw : null;
  if (!/^-?\d+(\.\d+)?$/.test(q)) throw new IpaddrError(`${alias}: unknown filter type: ${q}`);
  if (size(n) === 1n) return kind === "address" ? text(n) : cidr(n);
  const i = BigInt(Math.trunc(Number(q)));
  const ip = i >= 0n ? network(n) + i : broadcast(n) + 1n + i;
  return ip < network(n) || ip > broadcast(n) ? false : `${text(n, ip)}/${n.prefix}`;
}

/** ipwrap: IPv6 addresses in brackets; anything else unchanged (lists element by element). */
export function ipwrap(value: unknown, query: unknown = ""): unknown {
  if (Array.isArray(value)) return value.map((v) => ipwrap(v, query));
  const r = ipaddr(value, "wrap");
  return r === false ? value : r;
}
