// Fact parsing from fixed fact-script output (the shapes Ansible's setup gives); the script itself
// runs on real nodes in test/integration/semantics.test.ts.
import { describe, expect, it } from "vitest";
import { gatherFacts } from "../../src/engine/facts.js";

const OUTPUT = [
  "hostname=node1",
  "fqdn=node1.dc.example",
  "distribution=debian",
  "distribution_version=12",
  "distribution_release=bookworm",
  "machine=x86_64",
  "ipv4_dev=eth0",
  "ipv4_gw=10.0.0.1",
  "if=eth0 02:42:0a:00:00:05 1500 up 1",
  "if=lo 00:00:00:00:00:00 65536 unknown 772",
  "addr=lo inet 127.0.0.1/8 host ",
  "addr=eth0 inet 10.0.0.5/24 global 10.0.0.255",
  "addr=eth0 inet 10.0.0.6/24 global 10.0.0.255",
  "addr=eth0 inet6 fe80::42:aff:fe00:5/64 link ",
  "mount=/dev/vda1 / ext4 rw,relatime",
  "mount=proc /proc proc rw",
  "mount=/dev/vdb /var/lib/my\\040data xfs rw",
  "df=/ 1000 400",
  "date=2026 12 01 09 05 07 1796115907 CET +0100 Tuesday 2 48 335",
  "utc=2026-12-01T08:05:07",
  "py_exec=/usr/bin/python3",
  "py_version=Python 3.11.2",
  "passwd=root:x:0:0:root:/root:/bin/bash",
  "env=HOME=/root",
  "env=MULTI=a\x1db",
  "cmdline=BOOT_IMAGE=/vmlinuz ro quiet",
  "cpus=4",
  "cores=2",
  "socket=0",
].join("\n");

describe("gatherFacts", () => {
  it("reads network facts as Ansible shapes them", async () => {
    const f = await gatherFacts({ exec: async () => ({ stdout: OUTPUT }) });
    expect(f.ansible_default_ipv4).toMatchObject({
      address: "10.0.0.5",
      netmask: "255.255.255.0",
      network: "10.0.0.0",
      prefix: "24",
      gateway: "10.0.0.1",
      interface: "eth0",
      macaddress: "02:42:0a:00:00:05",
      mtu: 1500,
      type: "ether",
    });
    expect(f.ansible_all_ipv4_addresses).toEqual(["10.0.0.5", "10.0.0.6"]);
    expect(f.ansible_all_ipv6_addresses).toEqual(["fe80::42:aff:fe00:5"]);
    expect(f.ansible_interfaces).toEqual(["eth0", "lo"]);
    expect((f.ansible_eth0 as { ipv4_secondaries: unknown[] }).ipv4_secondaries).toHaveLength(1);
    expect(f.ansible_lo).toMatchObject({ active: true, type: "loopback", ipv4: { address: "127.0.0.1" } });
    expect(f.ansible_domain).toBe("dc.example");
  });

  it("the default address is the route's source; a node with no route out has no default (as Ansible's)", async () => {
    const routed = OUTPUT.replace("ipv4_gw=10.0.0.1", "ipv4_gw=10.0.0.1\nipv4_src=10.0.0.6");
    const f = await gatherFacts({ exec: async () => ({ stdout: routed }) });
    expect(f.ansible_default_ipv4).toMatchObject({ address: "10.0.0.6", interface: "eth0", gateway: "10.0.0.1" });
    const unrouted = OUTPUT.replace(/^ipv4_(dev|gw)=.*$/gm, "ipv4_$1=");
    const g = await gatherFacts({ exec: async () => ({ stdout: unrouted }) });
    expect(g.ansible_default_ipv4).toEqual({});
    expect(g.ansible_all_ipv4_addresses).toEqual(["10.0.0.5", "10.0.0.6"]);
  });

  it("reads mounts, clock, Python, user, environment and kernel command line", async () => {
    const f = await gatherFacts({ exec: async () => ({ stdout: OUTPUT }) });
    expect(f.ansible_mounts).toEqual([
      {
        device: "/dev/vda1",
        mount: "/",
        fstype: "ext4",
        options: "rw,relatime",
        size_total: 1024000,
        size_available: 409600,
        uuid: "N/A",
      },
      {
        device: "/dev/vdb",
        mount: "/var/lib/my data",
        fstype: "xfs",
        options: "rw",
        size_total: 0,
        size_available: 0,
        uuid: "N/A",
      },
    ]);
    expect(f.ansible_date_time).toMatchObject({
      date: "2026-12-01",
      time: "09:05:07",
      epoch: "1796115907",
      iso8601: "2026-12-01T08:05:07Z",
      tz: "CET",
      tz_offset: "+0100",
      weekday: "Tuesday",
      weekday_number: "2",
    });
    expect(f.ansible_python).toMatchObject({ executable: "/usr/bin/python3", version: { major: 3, minor: 11 } });
    expect(f.ansible_user_dir).toBe("/root");
    expect(f.ansible_user_shell).toBe("/bin/bash");
    expect(f.ansible_env).toEqual({ HOME: "/root", MULTI: "a\nb" });
    expect(f.ansible_cmdline).toEqual({ BOOT_IMAGE: "/vmlinuz", ro: true, quiet: true });
    expect(f.ansible_processor_cores).toBe(2);
    expect(f.ansible_processor_threads_per_core).toBe(2);
    expect((f.ansible_facts as Record<string, unknown>).date_time).toBe(f.ansible_date_time);
  });
});
