// Connection variables set by a play, a task or set_fact decide how a host is reached, above the
// inventory's, as in Ansible: a play's `ansible_connection: local` runs on a host the inventory
// sends over SSH, and a task's address nothing answers on makes its host unreachable there.
// Differential: the files both engines leave and their recaps.
import { describe, expect, it } from "vitest";
import { runBoth, sameAsAnsible } from "../harness/differential.js";

/** h2 as the inventory has it: reached over SSH at an address where nothing answers. */
const H2_OVER_SSH = "{ ansible_connection: ssh, ansible_host: 127.0.0.1, ansible_port: 1 }";

describe("connection variables from plays, tasks and set_fact", () => {
  it("a play's ansible_connection: local outranks the inventory's ssh", async () => {
    await sameAsAnsible({
      h2: H2_OVER_SSH,
      main: (out) => `
- hosts: all
  gather_facts: false
  vars:
    ansible_connection: local
  tasks:
    - copy: { dest: "${out}/{{ inventory_hostname }}", content: "ran\\n" }
`,
    });
  });

  it("a task's vars and set_fact point a host at an address nothing answers on: unreachable there, the rest runs", async () => {
    const [kplay, ansible] = await runBoth({
      main: (out) => `
- hosts: all
  gather_facts: false
  tasks:
    - copy: { dest: "${out}/before-{{ inventory_hostname }}", content: "1\\n" }
    - copy: { dest: "${out}/task-vars-{{ inventory_hostname }}", content: "2\\n" }
      vars:
        ansible_connection: "{{ 'ssh' if inventory_hostname == 'h2' else 'local' }}"
        ansible_host: 127.0.0.1
        ansible_port: 1
    - set_fact: { ansible_connection: ssh, ansible_host: 127.0.0.1, ansible_port: 1 }
      when: inventory_hostname == 'h1'
    - copy: { dest: "${out}/after-{{ inventory_hostname }}", content: "3\\n" }
`,
    });
    expect(ansible.status, ansible.output).toBe(4); // Ansible's exit status for an unreachable host
    expect(kplay.status, kplay.output).toBe(1); // kplay's, for a host that failed or was unreachable
    expect(kplay.files).toEqual(ansible.files);
    expect(kplay.recap).toEqual(ansible.recap);
  });
});

describe("the timeout, port and debugger keywords", () => {
  it("timeout ends an attempt that runs too long, in Ansible's words; a block's timeout reaches its tasks", async () => {
    await sameAsAnsible({
      main: (out) => `
- hosts: all
  gather_facts: false
  debugger: never
  tasks:
    - command: sleep 4
      timeout: 1
      ignore_errors: true
      register: slow
    - block:
        - shell: sleep 4
          register: in_block
          ignore_errors: true
      timeout: "{{ 1 }}"
    - command: "true"
      timeout: 0
      register: unlimited
    - copy:
        dest: "${out}/{{ inventory_hostname }}"
        content: "{{ slow.msg }} {{ slow.failed }}\\n{{ in_block.msg }}\\n{{ unlimited.rc }}\\n"
`,
    });
  });
});
