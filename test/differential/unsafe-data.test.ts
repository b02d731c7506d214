// Node data never picks code (the security model's first rule), checked where a string is
// evaluated: conditions (when, failed_when, changed_when, until), assert's that, debug's var,
// lookups' terms, the files of include_tasks / include_vars / template, a templated action. A
// "compromised node" here is a command whose output is an expression that would run a command on
// the controller (it would create out/pwn). Where ansible-playbook 2.14 refuses, kplay must end
// as it does (differential); where Ansible would run the node's text (a pipe lookup's term, a
// path outside the playbook), kplay refuses and says why.
import { describe, expect, it } from "vitest";
import { runWith, sameAsAnsible } from "../harness/differential.js";

/** The node's text: evaluated anywhere, it would create out/pwn on the controller. */
const BAIT = (out: string) => `lookup('pipe','touch ${out}/pwn') is string`;

const EVALUATED_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: false
  tasks:
    - command: echo "${BAIT(out)}"
      register: out
    - set_fact: { from_node: "{{ out.stdout }}" }
    - command: echo "vars-a.yml"
      register: vname
    - command: echo "t.j2"
      register: tname
    - command: echo "inc.yml"
      register: iname
    - include_tasks: "{{ iname.stdout }}"
    - { assert: { that: "{{ out.stdout }}" }, register: ra, ignore_errors: true }
    - { assert: { that: ["1 == 1", "{{ from_node }}"] }, register: rb, ignore_errors: true }
    - { debug: { var: "{{ out.stdout }}" }, register: rc }
    - { debug: { msg: "x" }, when: "{{ out.stdout }}", register: rd, ignore_errors: true }
    - { command: "true", failed_when: "{{ out.stdout }}", register: re, ignore_errors: true }
    - { command: "true", changed_when: "{{ from_node }}", register: rf, ignore_errors: true }
    - { command: "true", until: "{{ out.stdout }}", retries: 1, delay: 0, register: rg, ignore_errors: true }
    - { debug: { msg: "x" }, when: "{{ out.stdout == 'x' }}", register: rh }
    - { assert: { that: "out.stdout is string" }, register: ri }
    - { include_vars: "{{ vname.stdout }}", register: rj }
    - { action: "{{ out.stdout }}", register: rk, ignore_errors: true }
    - { template: { src: "{{ tname.stdout }}", dest: "${out}/templated" }, register: rl }
    - copy:
        dest: "${out}/results"
        content: |
          {{ [ra.failed, rb.failed, rd.failed, re.failed, rf.failed, rg.failed, rk.failed] }}
          {{ rc[out.stdout] | replace(playbook_dir, 'DIR') }} {{ rh.skipped }} {{ ri is succeeded }} {{ a_var }}
          {{ [re.changed, re.failed_when_result is defined, rf.changed_when_result is defined] }}
`;

describe("node data is never evaluated", { timeout: 240_000 }, () => {
  it("conditions, assert's that, debug's var, failed_when/changed_when/until, a templated action: as ansible-playbook", async () => {
    const kplay = await sameAsAnsible({
      main: EVALUATED_PLAYBOOK,
      files: (out) => ({
        "vars-a.yml": "a_var: from-vars-a\n",
        "inc.yml": `- copy: { dest: "${out}/included", content: "{{ iname.stdout }}" }\n`,
      }),
      templates: { "t.j2": "{{ a_var }}\n" },
    });
    // out/pwn absent in both (the files are equal), and each refusal happened
    expect(kplay.files.pwn).toBeUndefined();
    expect(kplay.files.results).toMatch(/^644 \[True, True, True, True, True, True, True\]\n\{\{lookup\('pipe'/);
    expect(kplay.files.results).toMatch(/is string\}\} True True from-vars-a\n\[True, True, True\]\n$/);
    expect(kplay.files.templated).toBe("644 from-vars-a\n");
    expect(kplay.files.included).toBe("644 inc.yml");
    expect(kplay.output).toMatch(/Conditional is marked as unsafe, and cannot be evaluated/);
  });

  it("a lookup's term from a node never becomes a command, a variable name or a path outside the playbook", async () => {
    // ansible-playbook 2.14 runs all of these (pipe and lines on the controller, file and vars as
    // asked): kplay refuses each, the host goes on, and nothing ran
    const kplay = await runWith("kplay", {
      main: (out) => `
- hosts: h1
  gather_facts: false
  tasks:
    - { command: echo "touch ${out}/pwn", register: cmd }
    - { command: echo "/etc/hostname", register: abs }
    - { command: echo "ansible_become_password", register: secret }
    - { set_fact: { r: "{{ lookup('pipe', cmd.stdout) }}" }, register: l1, ignore_errors: true }
    - { debug: { msg: "{{ item }}" }, with_lines: "{{ cmd.stdout }}", register: l2, ignore_errors: true }
    - { set_fact: { r: "{{ query('lines', 'echo', cmd.stdout) }}" }, register: l3, ignore_errors: true }
    - { set_fact: { r: "{{ lookup('file', abs.stdout) }}" }, register: l4, ignore_errors: true }
    - { set_fact: { r: "{{ lookup('vars', secret.stdout) }}" }, register: l5, ignore_errors: true }
    - { set_fact: { r: "{{ lookup('env', secret.stdout) }}" }, register: l6, ignore_errors: true }
    - { debug: { msg: "{{ item }}" }, with_fileglob: "{{ abs.stdout }}", register: l7, ignore_errors: true }
    - { set_fact: { r: "{{ lookup('first_found', [abs.stdout]) }}" }, register: l8, ignore_errors: true }
    - { debug: { msg: "{{ item }}" }, with_fileglob: "/etc/host*", register: l9 }
    - { template: { src: loop.j2, dest: "${out}/t1" }, register: l10, ignore_errors: true }
    - { template: { src: set.j2, dest: "${out}/t2" }, register: l11, ignore_errors: true }
    - { command: echo "inside.txt", register: rel }
    - { set_fact: { inside: "{{ lookup('file', rel.stdout) }}" } }
    - copy:
        dest: "${out}/results"
        content: "{{ [l1, l2, l3, l4, l5, l6, l7, l8, l10, l11] | map(attribute='failed') | list }} {{ l9 is succeeded }} {{ inside }}\\n"
`,
      files: () => ({ "files/inside.txt": "inside\n" }),
      // a template's own loop and set variables carry the taint of what they were computed from
      templates: {
        "loop.j2": "{% for l in cmd.stdout_lines %}{{ lookup('pipe', l) }}{% endfor %}\n",
        "set.j2": "{% set name = secret.stdout %}{{ lookup('vars', name) }}\n",
      },
    });
    expect(kplay.status, kplay.output).toBe(0);
    expect(kplay.files.pwn).toBeUndefined();
    expect(kplay.files.results).toBe("644 [True, True, True, True, True, True, True, True, True, True] True inside\n");
    expect(kplay.output).toMatch(/lookup\('pipe'\) refuses a term that came from a node/);
    expect(kplay.output).toMatch(/lookup\('lines'\) refuses a term that came from a node/);
    expect(kplay.output).toMatch(/lookup\('vars'\) refuses a term that came from a node/);
    expect(kplay.output).toMatch(/hostname\\?" came from a node's data and lies outside/);
  });

  it("template src, include_vars and include_tasks named by a node stay within the playbook's files", async () => {
    const play = (task: string) => ({
      main: (out: string) => `
- hosts: h1
  gather_facts: false
  tasks:
    - { command: echo "/etc/hostname", register: abs }
    - { command: echo "../../../../../../../../etc/hostname", register: up }
    - ${task}
    - copy: { dest: "${out}/after", content: "went on\\n" }
`,
      files: () => ({
        "vars/v.yml": "v: 1\n",
        "copy-item.yml": `- { copy: { src: "{{ p }}", dest: "{{ playbook_dir }}/out/i" }, ignore_errors: true }\n`,
      }),
    });
    const cases = [
      `{ template: { src: "{{ abs.stdout }}", dest: "{{ playbook_dir }}/out/t" }, ignore_errors: true }`,
      `{ include_vars: "{{ abs.stdout }}", ignore_errors: true }`,
      `{ include_vars: "{{ up.stdout }}", ignore_errors: true }`,
      `{ copy: { src: "{{ abs.stdout }}", dest: "{{ playbook_dir }}/out/c" }, ignore_errors: true }`,
      `{ script: "{{ abs.stdout }} arg", ignore_errors: true }`,
      // an include's loop item keeps its taint in the included tasks (a playbook's own items do not)
      `{ include_tasks: copy-item.yml, loop: "{{ [abs.stdout] }}", loop_control: { loop_var: p } }`,
    ];
    for (const task of cases) {
      const kplay = await runWith("kplay", play(task));
      expect(kplay.status, kplay.output).toBe(0);
      expect(kplay.files, task).toEqual({ after: "644 went on\n" });
      expect(kplay.output).toMatch(/came from a node's data and lies outside the playbook's and roles' directories/);
    }
    // an include whose file a node names outside: the host fails there (Ansible's include failures are not ignored)
    const inc = await runWith("kplay", play(`include_tasks: "{{ abs.stdout }}"`));
    expect(inc.status).toBe(1);
    expect(inc.files).toEqual({});
    expect(inc.output).toMatch(/came from a node's data and lies outside/);
  });
});
