// The fact script itself, run by sh on this machine in a network namespace of its own (unshare -nm,
// as root): a node with an address but no route out has no default address, as Ansible's facts
// (the route to a public address decides, not the first global address). kubespray's fallback_ips
// read ansible_default_ipv4 and write 127.0.0.1 for such a node; kplay wrote its address.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { gatherFacts } from "../../src/engine/facts.js";
import { FACTS_SCRIPT } from "../../src/engine/facts-script.js";

/** The facts of this machine seen from a namespace holding only `setup` (ip commands). */
function factsIn(setup: string): Promise<Record<string, unknown>> {
  // a mount namespace too, so /sys shows the namespace's own interfaces
  const script = `mount -t sysfs sysfs /sys && ${setup}\n${FACTS_SCRIPT.text}`;
  const stdout = execFileSync("unshare", ["-n", "-m", "sh", "-c", script], { encoding: "utf8" });
  return gatherFacts({ exec: async () => ({ stdout }) });
}

describe("the fact script in a network namespace", () => {
  it("an address without a route out: no default address", async () => {
    const f = await factsIn("ip addr add 10.9.9.9/32 dev lo && ip link set lo up");
    expect(f.ansible_all_ipv4_addresses).toEqual(["10.9.9.9"]);
    expect(f.ansible_default_ipv4).toEqual({});
  });

  it("a default route: its interface, gateway and source address", async () => {
    const f = await factsIn(
      "ip link add k0 type veth peer name k1 && ip link set k1 up && ip link set k0 up && ip link set lo up && " +
        "ip addr add 10.9.8.7/24 dev k0 && ip addr add 10.9.8.9/24 dev k0 && " +
        "ip route add default via 10.9.8.1 dev k0 src 10.9.8.9",
    );
    expect(f.ansible_default_ipv4).toMatchObject({ interface: "k0", gateway: "10.9.8.1", address: "10.9.8.9" });
  });
});
