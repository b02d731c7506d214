// Connection variables are read from a task's whole variable context, as Ansible reads them: play
// vars, task vars, set_fact, include_vars, a role's vars and -e, not only the inventory. A value a
// node sent never chooses the connection. Seen in the connection each script was sent through.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Runner, type RunOptions } from "../../src/engine/runner.js";
import { loadInventory } from "../../src/inventory/index.js";
import { loadPlaybook } from "../../src/playbook/load.js";
import { ConnectionPool } from "../../src/transport/pool.js";
import type { ConnectionSpec, SshEndpoint } from "../../src/transport/types.js";
import { EventLog, FakeNodes, fixture, type Rule } from "../harness/fake-node.js";

const OPTS: RunOptions = { forks: 5, check: false, diff: false, extraVars: {} };

async function run(playbook: string, opts: Partial<RunOptions> = {}, rule?: Rule, files: Record<string, string> = {}) {
  const f = fixture(["h1"], playbook);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(f.dir, name), text);
  const nodes = new FakeNodes(rule);
  const log = new EventLog();
  await new Runner(f.inv, nodes, { ...OPTS, ...opts }, log).runPlaybook(f.pb);
  /** The connection the script holding `word` went through. */
  const via = (word: string): ConnectionSpec | undefined => nodes.sent.find((s) => s.script.includes(word))?.spec;
  const user = (word: string) => (via(word)?.endpoint as SshEndpoint | undefined)?.user;
  return { nodes, log, via, user };
}

const play = (head: string, tasks: string) => `- hosts: all\n  gather_facts: false\n${head}  tasks:\n${tasks}`;

describe("connection variables from a task's variables", () => {
  it("a play's vars: ansible_connection: local runs that play on the controller, and only that play", async () => {
    const pb =
      play("  vars: { ansible_connection: local }\n", "    - command: echo in-local-play\n") +
      play("", "    - command: echo in-ssh-play\n");
    const r = await run(pb);
    expect(r.via("in-local-play")?.kind).toBe("local");
    expect(r.via("in-ssh-play")?.kind).toBe("ssh");
  });

  it("a task's vars, set_fact and include_vars set the login user, port and host (the last two for the rest of the run)", async () => {
    const tasks =
      "    - command: echo as-task-user\n      vars: { ansible_user: deploy }\n" +
      "    - command: echo as-host-user\n" +
      "    - set_fact: { ansible_port: 2222 }\n" +
      "    - command: echo on-port\n" +
      "    - include_vars: conn.yml\n" +
      "    - command: echo on-address\n";
    const r = await run(play("", tasks) + play("", "    - command: echo next-play\n"), {}, undefined, {
      "conn.yml": "ansible_host: 192.0.2.7\n",
    });
    expect(r.user("as-task-user")).toBe("deploy");
    expect(r.user("as-host-user")).not.toBe("deploy");
    expect((r.via("on-port")?.endpoint as SshEndpoint).port).toBe(2222);
    expect(r.via("on-address")?.endpoint).toMatchObject({ host: "192.0.2.7", port: 2222 });
    // set_fact and include_vars values are the host's from then on, in later plays too (as Ansible's)
    expect(r.via("next-play")?.endpoint).toMatchObject({ host: "192.0.2.7", port: 2222 });
    expect(r.user("next-play")).not.toBe("deploy");
  });

  it("a role's vars reach its tasks' connection", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kplay-engine-"));
    mkdirSync(join(dir, "roles/r/tasks"), { recursive: true });
    mkdirSync(join(dir, "roles/r/vars"), { recursive: true });
    writeFileSync(join(dir, "roles/r/tasks/main.yml"), "- command: echo in-role\n");
    writeFileSync(join(dir, "roles/r/vars/main.yml"), "ansible_user: rolling\nansible_become_password: s3cret\n");
    writeFileSync(join(dir, "inv.yml"), "all:\n  hosts:\n    h1: {}\n");
    writeFileSync(join(dir, "play.yml"), "- hosts: all\n  gather_facts: false\n  roles: [r]\n");
    const nodes = new FakeNodes();
    const inv = loadInventory([join(dir, "inv.yml")]);
    await new Runner(inv, nodes, OPTS, new EventLog()).runPlaybook(loadPlaybook(join(dir, "play.yml")));
    const spec = nodes.sent.find((s) => s.script.includes("in-role"))?.spec;
    expect((spec?.endpoint as SshEndpoint).user).toBe("rolling");
    expect(spec?.becomePassword).toBe("s3cret");
  });

  it("-e outranks a play's connection variables", async () => {
    const pb = play("  vars: { ansible_user: from-play }\n", "    - command: echo which-user\n");
    expect((await run(pb, { extraVars: { ansible_user: "from-cli" } })).user("which-user")).toBe("from-cli");
    expect((await run(pb)).user("which-user")).toBe("from-play");
  });

  it("a value a node sent never chooses the connection: the task fails, nothing goes to the controller", async () => {
    const tasks =
      "    - command: echo ask-the-node\n      register: r\n" +
      "    - set_fact: { ansible_connection: '{{ r.stdout }}', ansible_host: '{{ r.stdout }}' }\n" +
      "    - command: echo must-not-run\n";
    const rule: Rule = (_h, s) => (s.includes("ask-the-node") ? { stdout: "local" } : undefined);
    const r = await run(play("", tasks), {}, rule);
    expect(r.nodes.sent.some((s) => s.script.includes("must-not-run"))).toBe(false);
    expect(r.nodes.specs.every((s) => s.kind === "ssh")).toBe(true);
    const failed = r.log.events.find((e) => e.event === "host_result" && e.status === "failed");
    expect(JSON.stringify(failed)).toContain("computed from data a node sent");
  });

  it("a connection variable set to the host's own value changes nothing", async () => {
    const r = await run(play("  vars: { ansible_port: 22 }\n", "    - command: echo same\n"));
    expect(r.via("same")?.endpoint).toMatchObject({ port: 22 });
  });
});

describe("the connection pool", () => {
  it("keeps one connection per host and way of reaching it, and drops them all with the host", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kplay-pool-"));
    const pool = new ConnectionPool({ knownHostsFile: join(dir, "known_hosts"), acceptNewHostKeys: false });
    const local = (becomeUser: string): ConnectionSpec => ({
      name: "h1",
      kind: "local",
      endpoint: { host: "h1", port: 22, user: "root" },
      jumps: [],
      becomeUser,
    });
    const a = await pool.get(local("root"));
    expect(await pool.get(local("root"))).toBe(a);
    const b = await pool.get(local("app"));
    expect(b).not.toBe(a);
    pool.drop("h1");
    expect(await pool.get(local("root"))).not.toBe(a);
    expect(await pool.get(local("app"))).not.toBe(b);
    await pool.closeAll();
  });
});

describe("the port keyword", () => {
  it("sets the SSH port where no variable does; a host's ansible_port outranks it; a task's port outranks its play's", async () => {
    const pb = play(
      "  port: 2200\n",
      "    - command: echo play-port\n    - command: echo task-port\n      port: 2300\n",
    );
    const r = await run(pb);
    expect((r.via("play-port")?.endpoint as SshEndpoint).port).toBe(2200);
    expect((r.via("task-port")?.endpoint as SshEndpoint).port).toBe(2300);
    const withVar = await run(play("  port: 2200\n  vars: { ansible_port: 2222 }\n", "    - command: echo var-port\n"));
    expect((withVar.via("var-port")?.endpoint as SshEndpoint).port).toBe(2222);
  });
});
