// package_facts as ansible-playbook 2.14's module gives them on this Debian machine: what every
// entry holds, and that the fact agrees with dpkg itself (the package set of the machine is not
// part of the recording: a recording must hold for whatever this machine has installed). Checked
// by hand on one machine: the whole fact (779 packages, origin and section included) identical.
import { describe, expect, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

const main = (out: string) => `
- hosts: h1
  gather_facts: no
  tasks:
    - package_facts:
    - package_facts: { manager: [apt], strategy: all }
      register: explicit
    - shell: "dpkg-query -W -f '\${db:Status-Abbrev}\\n' | grep -c '^.i'"
      register: installed
    - command: dpkg-query -W -f=\${Version} dpkg
      register: dpkg_version
    - set_fact:
        dpkg_entry: "{{ ansible_facts.packages['dpkg'][0] }}"
    - copy:
        dest: "${out}/results"
        content: |
          {{ dpkg_entry.keys() | sort }} {{ dpkg_entry.source }} {{ dpkg_entry.version == dpkg_version.stdout }}
          {{ ansible_facts.packages.values() | map('length') | sum == installed.stdout | int }} {{ 'dpkg' in explicit.ansible_facts.packages }}
          {{ ansible_facts.packages['libc6'][0].category }} {{ ansible_facts.packages['nosuch-package'] is defined }}
`;

describe("package_facts", { timeout: 240_000 }, () => {
  it("as Ansible's apt manager reads them", async () => {
    const kplay = await sameAsAnsible({ main });
    expect(kplay.files.results).toMatch(
      /^644 \['arch', 'category', 'name', 'origin', 'source', 'version'\] apt True\nTrue True/,
    );
  });
});
