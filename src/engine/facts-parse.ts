// Owns turning the fact script's network, mount, clock and Python lines into Ansible's fact shapes
// (ansible_default_ipv4, ansible_<iface>, ansible_mounts, ansible_date_time, ansible_python).
// Pure functions of the script's output: tested with fixtures, no node needed.

/** The fact script's output: key → every value printed for it, in order. */
export type Lines = Map<string, string[]>;

interface Ipv4 {
  address: string;
  broadcast?: string;
  netmask: string;
  network: string;
  prefix: string;
}
interface Iface {
  device: string;
  macaddress?: string;
  mtu: number;
  active: boolean;
  type: string;
  ipv4?: Ipv4;
  ipv4_secondaries?: Ipv4[];
  ipv6?: { address: string; prefix: string; scope: string }[];
}

const LINK_TYPES: Record<string, string> = { "1": "ether", "772": "loopback", "65534": "tunnel", "32": "infiniband" };

function ipv4(cidr: string, broadcast: string): Ipv4 {
  const [address, bits] = cidr.split("/");
  const prefix = Number(bits ?? 32);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const n = address.split(".").reduce((a, o) => ((a << 8) | Number(o)) >>> 0, 0);
  const dotted = (v: number) => [24, 16, 8, 0].map((s) => (v >>> s) & 255).join(".");
  return {
    address,
    ...(broadcast ? { broadcast } : {}),
    netmask: dotted(mask),
    network: dotted((n & mask) >>> 0),
    prefix: String(prefix),
  };
}

function interfaces(l: Lines): Map<string, Iface> {
  const out = new Map<string, Iface>();
  for (const line of l.get("if") ?? []) {
    const [device, mac, mtu, state, type] = line.split(" ");
    const kind = LINK_TYPES[type] ?? "unknown";
    out.set(device, {
      device,
      ...(mac && kind !== "loopback" ? { macaddress: mac } : {}),
      mtu: Number(mtu),
      // Ansible: active when the link is up (loopback says "unknown" and is active)
      active: state === "up" || state === "unknown",
      type: kind,
    });
  }
  for (const line of l.get("addr") ?? []) addAddress(out, line);
  return out;
}

function addAddress(ifaces: Map<string, Iface>, line: string): void {
  const [name, family, cidr, scope, brd] = line.split(" ");
  const i = ifaces.get(name.split("@")[0]);
  if (!i || !cidr) return;
  if (family === "inet6") {
    const [address, prefix] = cidr.split("/");
    i.ipv6 = [...(i.ipv6 ?? []), { address, prefix, scope: scope ?? "" }];
  } else if (family === "inet") {
    const v4 = ipv4(cidr, brd ?? "");
    if (!i.ipv4) i.ipv4 = v4;
    else i.ipv4_secondaries = [...(i.ipv4_secondaries ?? []), v4];
  }
}

/** ansible_interfaces, ansible_<iface>, all addresses, and the default routes' interfaces. */
export function networkFacts(l: Lines): Record<string, unknown> {
  const ifaces = interfaces(l);
  const v4 = [...ifaces.values()].flatMap((i) => [i.ipv4, ...(i.ipv4_secondaries ?? [])].filter((a) => a));
  const v6 = [...ifaces.values()].flatMap((i) => i.ipv6 ?? []);
  // the route's interface and source address, the rest from that interface (Ansible's default_ipv4)
  const def = (family: "ipv4" | "ipv6") => {
    const dev = first(l, `${family}_dev`);
    const src = first(l, `${family}_src`);
    const i = ifaces.get(dev);
    if (!i) return {};
    const v4s = [i.ipv4, ...(i.ipv4_secondaries ?? [])];
    const addr =
      family === "ipv4"
        ? (v4s.find((a) => a?.address === src) ?? i.ipv4)
        : (i.ipv6?.find((a) => a.address === src) ?? i.ipv6?.find((a) => a.scope === "global"));
    const head = { gateway: first(l, `${family}_gw`), interface: dev };
    const tail = { macaddress: i.macaddress, mtu: i.mtu, type: i.type, ...(family === "ipv4" ? { alias: dev } : {}) };
    return { ...head, ...addr, ...(src ? { address: src } : {}), ...tail };
  };
  const perIface = Object.fromEntries([...ifaces].map(([n, i]) => [`ansible_${n.replace(/[-.:]/g, "_")}`, i]));
  return {
    ...perIface,
    ansible_interfaces: [...ifaces.keys()],
    ansible_all_ipv4_addresses: v4.map((a) => a!.address).filter((a) => !a.startsWith("127.")),
    ansible_all_ipv6_addresses: v6.map((a) => a.address).filter((a) => a !== "::1"),
    ansible_default_ipv4: def("ipv4"),
    ansible_default_ipv6: def("ipv6"),
  };
}

const first = (l: Lines, key: string): string => l.get(key)?.[0] ?? "";

/** Mounts of real devices (Ansible leaves out pseudo file systems), with sizes from df. */
export function mountFacts(l: Lines): Record<string, unknown>[] {
  const sizes = new Map<string, [number, number]>();
  for (const line of l.get("df") ?? []) {
    const [mount, blocks, avail] = line.split(" ");
    sizes.set(mount, [Number(blocks) * 1024, Number(avail) * 1024]);
  }
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return (l.get("mount") ?? [])
    .map((line) => line.split(" "))
    .filter(([device, , fstype]) => (device.startsWith("/") || device.includes(":/")) && fstype !== "none")
    .map(([device, mount, fstype, options]) => {
      const [total, available] = sizes.get(mount) ?? [0, 0];
      return {
        device: unescape(device),
        mount: unescape(mount),
        fstype,
        options,
        size_total: total,
        size_available: available,
        uuid: "N/A",
      };
    });
}

/** ansible_date_time from `date` (local) and `date -u`, in Ansible's field names and forms. */
export function dateTimeFacts(l: Lines): Record<string, unknown> {
  const [year, month, day, hour, minute, second, epoch, tz, tzOffset, weekday, weekdayNumber, weeknumber, yday] = first(
    l,
    "date",
  ).split(" ");
  if (!epoch) return {};
  const utc = first(l, "utc");
  const compact = `${year}${month}${day}T${hour}${minute}${second}`;
  return {
    ansible_date_time: {
      year,
      month,
      day,
      hour,
      minute,
      second,
      epoch,
      epoch_int: epoch,
      date: `${year}-${month}-${day}`,
      time: `${hour}:${minute}:${second}`,
      iso8601: `${utc}Z`,
      iso8601_micro: `${utc}.000000Z`,
      iso8601_basic: `${compact}000000`,
      iso8601_basic_short: compact,
      tz,
      tz_dst: tz,
      tz_offset: tzOffset,
      weekday,
      weekday_number: weekdayNumber,
      weeknumber,
      julian_day: yday,
    },
  };
}

/** ansible_python when the node has a Python (kplay needs none; playbooks written for Ansible ask). */
export function pythonFacts(l: Lines): Record<string, unknown> {
  const executable = first(l, "py_exec");
  const m = /Python (\d+)\.(\d+)\.(\d+)/.exec(first(l, "py_version"));
  if (!executable || !m) return {};
  const [major, minor, micro] = m.slice(1).map(Number);
  return {
    ansible_python: {
      executable,
      type: "cpython",
      version: { major, minor, micro, releaselevel: "final", serial: 0 },
      version_info: [major, minor, micro, "final", 0],
      has_sslcontext: true,
    },
    ansible_python_version: `${major}.${minor}.${micro}`,
  };
}
