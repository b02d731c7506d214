// ansible-playbook's -b, --become-user, --become-method, -u, --private-key and -e ansible_*: where
// they sit in Ansible's precedence (options < keywords < variables < extra variables), seen in
// what the engine asks of each host's connection.
import { describe, expect, it } from "vitest";
import { Runner, type RunOptions } from "../../src/engine/runner.js";
import type { SshEndpoint } from "../../src/transport/types.js";
import { EventLog, FakeNodes, fixture } from "../harness/fake-node.js";

const OPTS: RunOptions = { forks: 5, check: false, diff: false, extraVars: {} };

async function run(playbook: string, opts: Partial<RunOptions>, hosts = ["h1"]) {
  const f = fixture(hosts, playbook);
  const nodes = new FakeNodes();
  await new Runner(f.inv, nodes, { ...OPTS, ...opts }, new EventLog()).runPlaybook(f.pb);
  const become = (word: string) => nodes.sent.find((s) => s.script.includes(word))?.opts;
  return { nodes, become };
}

const PLAY = (keywords = "", task = "") =>
  `- hosts: all\n  gather_facts: false\n${keywords}  tasks:\n    - command: echo first\n${task}    - command: echo second\n      become: false\n`;

describe("options from the command line", () => {
  it("-b and --become-user: every task becomes, unless its keyword says otherwise", async () => {
    const { become } = await run(PLAY(), { cliDefaults: { become: true, becomeUser: "app", becomeMethod: "su" } });
    expect(become("first")).toMatchObject({ become: true, becomeUser: "app", becomeMethod: "su" });
    expect(become("second")?.become).toBe(false);
  });

  it("the play's become_user outranks --become-user; without -b nothing becomes", async () => {
    const withB = await run(PLAY("  become_user: web\n"), { cliDefaults: { become: true, becomeUser: "app" } });
    expect(withB.become("first")).toMatchObject({ become: true, becomeUser: "web" });
    const without = await run(PLAY(), {});
    expect(without.become("first")?.become).toBe(false);
  });

  it("-u and --private-key fill in what the inventory leaves out; -e ansible_user outranks the inventory", async () => {
    const { nodes } = await run(PLAY(), { cliDefaults: { remoteUser: "admin", privateKeyFile: "/keys/id" } });
    const ssh = (i: number) => (nodes.specs[i] as { endpoint?: SshEndpoint }).endpoint;
    expect(ssh(0)).toMatchObject({ user: "admin", privateKeyFile: "/keys/id" });
    const f = await run(PLAY(), { cliDefaults: { remoteUser: "admin" }, extraVars: { ansible_user: "ops" } });
    expect((f.nodes.specs[0] as { endpoint?: SshEndpoint }).endpoint?.user).toBe("ops");
    const local = await run(PLAY(), { extraVars: { ansible_connection: "local" } });
    expect(local.nodes.specs[0].kind).toBe("local");
  });
});
