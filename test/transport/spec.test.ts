// Connection specs from Ansible variables: users, ports, keys, passwords, jump hosts.
import { describe, expect, it } from "vitest";
import { connectionSpec, parseJumpArgs } from "../../src/transport/spec.js";

describe("connection spec", () => {
  it("reads Ansible's connection variables", () => {
    const s = connectionSpec("n1", {
      ansible_host: "10.0.0.1",
      ansible_port: "2222",
      ansible_user: "ops",
      ansible_ssh_pass: "pw",
      ansible_become_password: "bpw",
      ansible_ssh_private_key_file: "/k",
    });
    expect(s.endpoint).toMatchObject({
      host: "10.0.0.1",
      port: 2222,
      user: "ops",
      password: "pw",
      privateKeyFile: "/k",
    });
    expect(s.becomePassword).toBe("bpw");
    expect(s.kind).toBe("ssh");
    expect(connectionSpec("n2", { ansible_connection: "local" }).kind).toBe("local");
    expect(connectionSpec("n3", {}).endpoint.host).toBe("n3");
  });

  it.each([
    ["-o ProxyJump=jump@10.0.0.9:2200", [{ host: "10.0.0.9", port: 2200, user: "jump" }]],
    ["-J 10.0.0.9", [{ host: "10.0.0.9", port: 22, user: "root" }]],
    [
      "-J a@h1,h2:23",
      [
        { host: "h1", port: 22, user: "a" },
        { host: "h2", port: 23, user: "root" },
      ],
    ],
    [
      `-o ProxyCommand="ssh -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -W %h:%p -p 2022 ops@bastion.example -i /k"`,
      [{ host: "bastion.example", port: 2022, user: "ops" }],
    ],
    ["-o StrictHostKeyChecking=no", []],
  ])("parses %s", (args, want) => {
    expect(parseJumpArgs(args, "root", "n1")).toEqual(want);
  });

  it("routes every other host through kubespray's bastion host", () => {
    const s = connectionSpec(
      "n1",
      { ansible_host: "10.0.0.1", ansible_user: "root" },
      { ansible_host: "1.2.3.4", ansible_user: "jump" },
    );
    expect(s.jumps).toEqual([expect.objectContaining({ host: "1.2.3.4", user: "jump", port: 22 })]);
    expect(connectionSpec("bastion", { ansible_host: "1.2.3.4" }, { ansible_host: "1.2.3.4" }).jumps).toEqual([]);
  });

  it("refuses a ProxyCommand it cannot honour", () => {
    expect(() => parseJumpArgs(`-o ProxyCommand="nc -x proxy %h %p"`, "root", "n1")).toThrow(
      /unsupported ProxyCommand/,
    );
  });
});
