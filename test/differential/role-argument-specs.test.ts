// A role's argument specs (meta/argument_specs.yml, or argument_specs in meta/main.yml), as
// ansible-playbook 2.14 applies them: a validation task first in the role for its entry point
// (main, or tasks_from), tagged always, checking the role's variables and parameters by type,
// elements, choices, required and nested options, with Ansible's messages; and the
// validate_argument_spec module called by a task of its own.
import { describe, expect, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

const SPECS = `argument_specs:
  main:
    short_description: The web role
    options:
      web_port: { type: int, required: true }
      web_names: { type: list, elements: str }
      web_enabled: { type: bool, default: true }
      web_mode: { choices: [fast, slow] }
      web_conf:
        type: dict
        options:
          size: { type: int, required: true }
          unit: { type: str, aliases: [units] }
  other:
    options:
      other_x: { type: str, required: true }
`;

const files = (out: string) => ({
  "roles/web/meta/argument_specs.yml": SPECS,
  // a spec's default is not assigned to the variable (Ansible 2.14 validates only)
  "roles/web/defaults/main.yml": "web_names: a,b\nweb_enabled: true\n",
  "roles/web/tasks/main.yml": `- copy: { dest: "${out}/ran-{{ web_port }}", content: "{{ web_names }} {{ web_enabled }}\\n" }\n`,
  "roles/web/tasks/other.yml": `- copy: { dest: "${out}/other", content: "{{ other_x }}\\n" }\n`,
  "roles/db/meta/main.yml": "argument_specs:\n  main:\n    options:\n      db_size: { type: int, required: true }\n",
  "roles/db/tasks/main.yml": `- copy: { dest: "${out}/db", content: "{{ db_size }}\\n" }\n`,
});

const CASES = [
  `{ web_port: 82, web_conf: { size: x, other: 1 } }`,
  `{ web_port: "8x", web_names: 5 }`,
  `{ web_port: 1, web_names: [1, [2]], web_conf: "nope" }`,
  `{ web_conf: { other: 2 } }`,
  `{ web_port: "2", web_conf: "size=4 units=kb", web_mode: "{{ 'fa' + 'st' }}", web_enabled: "no" }`,
  `{ web_port: 3, web_enabled: maybe, web_mode: medium }`,
];

const main = (out: string) => `
- hosts: h1
  gather_facts: false
  roles:
    - { role: web, web_port: "80", web_mode: fast, web_conf: "size=3" }
    - { role: db, db_size: "7", tags: [db] }
  vars:
    # Python lists the valid booleans in its set's order, which differs from run to run
    BOOLS: "  Valid booleans include: .*"
  tasks:
${CASES.map(
  (c, i) => `    - block:
        - include_role: { name: web }
          vars: ${c}
      rescue:
        - copy:
            dest: "${out}/case${i}"
            content: "{{ ansible_failed_result.argument_errors | default([ansible_failed_result.msg]) | join('\\n') | regex_replace(BOOLS, '') }}\\n"
`,
).join("")}
    - block:
        - import_role: { name: web, tasks_from: other }
      when: not (tags_only | default(false))
      rescue:
        - copy: { dest: "${out}/other-failed", content: "{{ ansible_failed_result.argument_errors | join('\\n') }}\\n" }
    - validate_argument_spec:
        argument_spec: { n: { type: int }, l: { type: list, elements: int } }
        provided_arguments: { n: "5", l: "1,2" }
      register: direct
    - copy: { dest: "${out}/direct", content: "{{ direct.msg }} {{ direct.changed }}\\n" }
`;

describe("role argument specs", { timeout: 240_000 }, () => {
  it("validated first in the role, with Ansible's messages", async () => {
    const kplay = await sameAsAnsible({ main, files });
    expect(kplay.files["ran-80"]).toBe("644 a,b True\n");
    expect(kplay.files.case0).toMatch(/argument 'size' is of type .* found in 'web_conf'\. and we were unable/);
    expect(kplay.files.case0).toMatch(/web_conf\.other\. Supported parameters include: size, unit \(units\)\./);
    expect(kplay.files.case4).toBeUndefined();
    expect(kplay.files["ran-2"]).toBe("644 a,b no\n");
    expect(kplay.files["other-failed"]).toBe("644 missing required arguments: other_x\n");
    expect(kplay.files.direct).toBe("644 The arg spec validation passed False\n");
  });

  it("the validation is tagged always", async () => {
    const kplay = await sameAsAnsible({ main, files, cli: ["--tags", "db", "-e", "tags_only=true"] });
    expect(kplay.files).toEqual({ db: "644 7\n" });
    expect(kplay.output).toMatch(/Validating arguments against arg spec 'main' - The web role/);
  });

  it("a type Ansible does not know fails only the value given for it", async () => {
    const odd = {
      "roles/odd/meta/argument_specs.yml": "argument_specs:\n  main:\n    options:\n      x: { type: nosuchtype }\n",
      "roles/odd/tasks/main.yml": "- copy: { dest: \"{{ out }}/ran-{{ x | default('none') }}\", content: ran }\n",
    };
    const pb = (out: string) => `
- hosts: h1
  gather_facts: false
  vars: { out: "${out}" }
  tasks:
    - include_role: { name: odd }
    - block:
        - include_role: { name: odd }
          vars: { x: 5 }
      rescue:
        - copy: { dest: "${out}/given-failed", content: "{{ ansible_failed_result.failed }}" }
`;
    const kplay = await sameAsAnsible({ main: pb, files: () => odd });
    expect(kplay.files["ran-none"]).toBe("644 ran");
    expect(kplay.files["given-failed"]).toBe("644 True");
  });
});
