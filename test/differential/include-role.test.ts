// include_role is read when it runs, as Ansible reads it: a role that does not exist, in a branch
// that never runs, is no error (any_errors_fatal's target has such a task); reached, it fails the
// host that reaches it, in Ansible's words.
import { describe, expect, it } from "vitest";
import { runBoth, sameAsAnsible } from "../harness/differential.js";

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

const ROLE_FILES = (out: string) => ({
  "roles/r1/tasks/main.yml": "- debug: msg=a\n- debug: msg=b\n- debug: msg=c\n",
  "roles/r2/tasks/main.yml": `- set_fact: { r2_done: true }
- copy: { dest: "${out}/{{ inventory_hostname }}-r2-{{ r2_how }}", content: "{{ r2_param | default('-') }}" }
`,
  "inc.yml": "- debug: msg=x\n",
});

/** include_role is a task of its own; import_role's keywords are its tasks'. */
const OWN_TASK = (out: string) => `
- hosts: all
  gather_facts: false
  tasks:
    - name: a block that does not run
      when: false
      block:
        - name: Drain node
          include_role: { name: r1, apply: { tags: [pre-remove] } }
        - include_role: name=r1
    - name: skipped include
      include_role: name=r1
      when: inventory_hostname == 'h2'
    - name: skipped include_tasks
      include_tasks: inc.yml
      when: false
    - name: skipped import
      import_role: name=r1
      when: false
    - name: its when is its own, not its tasks'
      include_role: { name: r2 }
      vars: { r2_how: included, r2_param: given }
      when: not (r2_done | default(false))
    - set_fact: { r2_done: false }
    - name: an import's when is each of its tasks'
      import_role: { name: r2 }
      vars: { r2_how: imported }
      when: not (r2_done | default(false))
    - copy: { dest: "${out}/{{ inventory_hostname }}-end", content: "{{ r2_done }}" }
`;

describe("include_role as a task of its own", { timeout: 240_000 }, () => {
  it("skipped: one task; run: its role's tasks, without its when", async () => {
    const kplay = await sameAsAnsible({ main: OWN_TASK, files: ROLE_FILES });
    expect(Object.keys(kplay.files).sort()).toEqual(["h1-end", "h1-r2-included", "h2-end", "h2-r2-included"]);
    expect(kplay.files["h1-r2-included"]).toBe("644 given");
  });
});

/** A conditional include of a file with a module no Ansible knows: no error until a host reaches it. */
const UNREADABLE_INCLUDE = (out: string) => `
- hosts: all
  gather_facts: false
  tasks:
    - copy: { dest: "${out}/{{ inventory_hostname }}-before", content: "x" }
    - include_tasks: other-platform.yml
      when: false
    - copy: { dest: "${out}/{{ inventory_hostname }}-between", content: "x" }
    - include_tasks: other-platform.yml
      when: inventory_hostname == 'h1'
    - copy: { dest: "${out}/{{ inventory_hostname }}-after", content: "x" }
`;

describe("an included file that cannot be read as tasks", { timeout: 240_000 }, () => {
  it("is no error where it is never reached, and stops the whole run where it is", async () => {
    const files = () => ({
      "other-platform.yml": "- name: a module no Ansible has\n  no_such_module_here: { a: 1 }\n",
    });
    const [kplay, ansible] = await runBoth({ main: UNREADABLE_INCLUDE, files });
    // ansible-playbook's parser error exits 4, kplay's bad input 2: both stop, neither prints a recap
    expect([ansible.status, kplay.status], ansible.output + kplay.output).toEqual([4, 2]);
    expect(kplay.files).toEqual(ansible.files);
    expect([kplay.recap, ansible.recap]).toEqual([[], []]);
    expect(Object.keys(kplay.files).sort()).toEqual(["h1-before", "h1-between", "h2-before", "h2-between"]);
    expect(kplay.output).toMatch(/other-platform\.yml:2:\d+: no_such_module_here: unknown module/);
  });
});

// a looped include_role: the role's tasks once per item, its vars rendered with each item, a
// `when` judged per item, loop_control's loop_var, with_items (handlers left out: Ansible adds a
// role's handlers again with each include_role task of it, and runs every copy notified)
const LOOPED = () => `
- hosts: all
  gather_facts: false
  vars: { things: [a, b, c] }
  tasks:
    - include_role: { name: each }
      loop: [1, 2]
      vars: { n: "{{ item * 10 }}" }
    - include_role: { name: each }
      loop: "{{ things }}"
      loop_control: { loop_var: thing, label: "{{ thing }}" }
      when: thing != 'b' or inventory_hostname == 'h2'
      vars: { item: "{{ thing }}" }
    - include_role: { name: each }
      with_items: [z]
`;

const each = (out: string) => ({
  "roles/each/defaults/main.yml": "n: 0\n",
  "roles/each/tasks/main.yml": `- copy: { dest: "${out}/{{ inventory_hostname }}-{{ item }}", content: "{{ n }}\\n" }
`,
});

describe("a looped include_role", { timeout: 240_000 }, () => {
  it("runs its role once per item, as ansible-playbook does", async () => {
    const kplay = await sameAsAnsible({ main: LOOPED, files: each });
    expect(Object.keys(kplay.files).sort()).toEqual([
      "h1-1",
      "h1-2",
      "h1-a",
      "h1-c",
      "h1-z",
      "h2-1",
      "h2-2",
      "h2-a",
      "h2-b",
      "h2-c",
      "h2-z",
    ]);
    expect(kplay.files["h1-2"]).toBe("644 20\n");
  });

  it("is refused on import_role, in Ansible's words", async () => {
    const [kplay, ansible] = await runBoth({
      main: () => "- hosts: h1\n  tasks:\n    - import_role: { name: each }\n      loop: [1]\n",
      files: each,
    });
    expect(ansible.status).toBe(4);
    expect(kplay.status).toBe(2);
    for (const r of [kplay, ansible]) expect(r.output).toMatch(/You cannot use loops on 'import_role' statements/);
  });
});
