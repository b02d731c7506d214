// include_role is read when it runs, as Ansible reads it: a role that does not exist, in a branch
// that never runs, is no error (any_errors_fatal's target has such a task); reached, it fails the
// host that reaches it, in Ansible's words.
import { describe, expect, it } from "vitest";
import { runBoth } from "../harness/differential.js";

const MISSING_ROLE = (out: string) => `
- hosts: all
  gather_facts: false
  tasks:
    - include_role: { name: no-such-role }
      when: false
    - copy: { dest: "${out}/{{ inventory_hostname }}-before", content: "x" }
    - include_role:
        name: no-such-role-either
      when: inventory_hostname == 'h1'
    - copy: { dest: "${out}/{{ inventory_hostname }}-after", content: "x" }
`;

describe("include_role of a role that is not there", { timeout: 240_000 }, () => {
  it("is no error where it never runs, and fails the host that reaches it", async () => {
    const [kplay, ansible] = await runBoth({ main: MISSING_ROLE });
    // h1 failed: ansible-playbook exits 2, kplay 1 (its code for failed hosts; 2 is bad input)
    expect([ansible.status, kplay.status], ansible.output + kplay.output).toEqual([2, 1]);
    expect(kplay.files).toEqual(ansible.files);
    expect(kplay.recap).toEqual(ansible.recap);
    expect(Object.keys(kplay.files).sort()).toEqual(["h1-before", "h2-after", "h2-before"]);
    expect(kplay.output).toMatch(/the role 'no-such-role-either' was not found in /);
  });
});
