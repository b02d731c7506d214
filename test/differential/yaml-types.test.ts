// YAML as Ansible reads it (PyYAML, YAML 1.1): yes/no/on/off in PyYAML's spellings are booleans —
// keywords (`changed_when: no`, `gather_facts: no`), variables a bare `when:` reads, values in
// vars files and in from_yaml — while y/n and quoted words stay text. kubespray's preinstall
// has `changed_when: no`, which kplay evaluated as an expression naming an undefined `no`.
import { describe, expect, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

const files = () => ({ "flags.yml": "from_file: off\nanswer: n\n" });

const BOOLEANS = (out: string) => `
- hosts: h1
  gather_facts: no
  vars_files: [flags.yml]
  vars:
    enabled: no
    wanted: Yes
    quoted: "no"
  tasks:
    - command: "true"
      changed_when: no
      register: quiet
    - copy: { dest: "${out}/enabled", content: "ran" }
      when: enabled
    - copy: { dest: "${out}/wanted", content: "ran" }
      when: wanted
    - copy: { dest: "${out}/from-file", content: "ran" }
      when: from_file
    - copy:
        dest: "${out}/values"
        content: |
          {{ quiet.changed }} {{ enabled }} {{ wanted }} {{ quoted }} {{ from_file }} {{ answer }}
          {{ ('{a: on, b: y}' | from_yaml) }}
`;

describe("YAML 1.1 booleans", { timeout: 240_000 }, () => {
  it("yes/no/on/off as ansible-playbook reads them", async () => {
    const kplay = await sameAsAnsible({ main: BOOLEANS, files });
    expect(Object.keys(kplay.files).sort()).toEqual(["values", "wanted"]);
    expect(kplay.files.values).toBe("644 False False True no False n\n{'a': True, 'b': 'y'}\n");
  });
});
