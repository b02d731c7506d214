// Which values become secrets (masked wherever they would show): a set_fact value named like a
// secret does; what a module read on a node (getent, package_facts, service_facts) does not by
// the names it carries — a package or user called passwd is no password, and masking its
// record's fields ("all", "/usr/bin/zsh") everywhere mangles every later line.
import { expect, it, describe } from "vitest";
import { Runner, type RunOptions } from "../../src/engine/runner.js";
import { Redactor } from "../../src/report/redact.js";
import { EventLog, FakeNodes, fixture, type Rule } from "../harness/fake-node.js";

const OPTS: RunOptions = { forks: 5, check: false, diff: false, extraVars: {} };
describe("what a module reads on a node is no secret by its names", () => {
  it("getent's user named like a secret masks nothing; a set_fact value named like one is masked", async () => {
    const secrets = new Redactor();
    const tasks =
      "    - getent: { database: passwd }\n" +
      "    - debug: { msg: 'shell /usr/bin/zsh' }\n" +
      "    - set_fact: { db_password: hunter22 }\n" +
      "    - debug: { msg: 'password hunter22' }\n";
    const rule: Rule = (_h, s) =>
      s.includes("getent") ? { stdout: "keymaster:x:1001:1001::/home/keymaster:/usr/bin/zsh\n" } : undefined;
    const f = fixture(["h1"], `- hosts: all\n  gather_facts: false\n  tasks:\n${tasks}`);
    await new Runner(f.inv, new FakeNodes(rule), { ...OPTS, secrets }, new EventLog()).runPlaybook(f.pb);
    expect(secrets.text("shell /usr/bin/zsh")).toBe("shell /usr/bin/zsh");
    expect(secrets.text("password hunter22")).not.toContain("hunter22");
  });
});
