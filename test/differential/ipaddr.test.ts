// The ipaddr filter family as ansible.utils (netaddr) answers it, with the forms kubespray's
// roles write: a network's address by index, net/address/prefix/netmask/network/broadcast,
// a network as the query (is the address in it?), lists filtered, IPv6, invalid values,
// ipv4/ipv6 and ipwrap, and the filters' collection names.
import { describe, expect, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

const EXPRESSIONS = [
  "'10.233.0.0/18' | ipaddr('net') | ipaddr(1) | ipaddr('address')",
  "'10.233.0.0/18' | ansible.utils.ipaddr('net') | ipaddr(3)",
  "'10.233.0.0/18' | ipaddr(-1)",
  "'10.233.64.7/18' | ipaddr('net')",
  "'10.233.64.7/18' | ipaddr('network')",
  "'10.233.64.7/18' | ipaddr('address')",
  "'10.233.64.7/18' | ipaddr('prefix')",
  "'10.233.64.7/18' | ipaddr('netmask')",
  "'10.233.64.7/18' | ipaddr('broadcast')",
  "'10.233.64.7/18' | ipaddr('host')",
  "'10.233.64.7/18' | ipaddr('size')",
  "'10.233.64.7/18' | ipaddr('subnet')",
  "'10.233.64.7/18' | ipaddr('first_usable')",
  "'10.233.64.7/18' | ipaddr('last_usable')",
  "'10.233.64.7' | ipaddr",
  "'10.233.64.7' | ipaddr('10.233.0.0/16')",
  "'10.234.0.1' | ipaddr('10.233.0.0/16')",
  "'192.168.1.10/255.255.255.0' | ipaddr('net')",
  "['10.0.0.1', 'nameserver', '8.8.8.8', 'fd00::10', ''] | ipaddr",
  "['10.0.0.1', 'fd00::10'] | ipv4",
  "['10.0.0.1', 'fd00::10'] | ipv6",
  "'fd85:ee78:d8a6:8607::1:0/112' | ipaddr('net') | ipaddr(1) | ipaddr('address')",
  "'fd85:ee78:d8a6:8607::1:0/112' | ipaddr('prefix')",
  "'2001:db8:0:0:1:0:0:1' | ipaddr",
  "'fd00::10' | ipwrap",
  "['10.0.0.1', 'fd00::10', 'node1'] | ipwrap",
  "'not-an-ip' | ipaddr",
  "'10.0.0.1' | ipaddr('private')",
  "'8.8.8.8' | ipaddr('public')",
  "'10.0.0.1/31' | ipaddr('address')",
];

const PLAY = (out: string) => `
- hosts: h1
  gather_facts: false
  tasks:
    - copy:
        dest: "${out}/answers"
        content: |
${EXPRESSIONS.map((e) => `          {{ ${e} }}`).join("\n")}
`;

describe("ipaddr filters (ansible.utils)", { timeout: 240_000 }, () => {
  it("answer as ansible-playbook's netaddr does", async () => {
    const kplay = await sameAsAnsible({ main: PLAY });
    expect(kplay.files.answers.split("\n")[0]).toBe("644 10.233.0.1");
  });
});
