// with_flattened (community.general's flattened lookup) and with_ loops named by their lookup's
// FQCN (dev-sec's os_hardening loops with with_community.general.flattened), as ansible-playbook
// 2.14 with Debian's collections runs them; the varnames lookup (dev-sec's roles: which variables
// are set) and the flattened lookup.
import { describe, expect, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

const main = (out: string) => `
- hosts: h1
  gather_facts: no
  vars:
    paths: [/usr/bin, [/bin, [/sbin]]]
    extra: [x]
  tasks:
    - shell: echo {{ item }}
      with_community.general.flattened:
        - "{{ paths }}"
        - "{{ extra }}"
        - [[y], z]
      register: fqcn
    - shell: echo {{ item }}
      with_flattened: [[1, [2, [3]]], "None", 4]
      register: short
    - shell: echo {{ item }}
      with_ansible.builtin.items: [p, [q]]
      register: builtin
    - copy:
        dest: "${out}/results"
        content: |
          {{ fqcn.results | map(attribute='stdout') | list }}
          {{ short.results | map(attribute='stdout') | list }}
          {{ builtin.results | map(attribute='stdout') | list }}
          {{ lookup('varnames', '^pa') }} {{ query('varnames', '^pa', 'tra$') }} {{ not lookup('varnames', '^nope$') }}
          {{ lookup('flattened', [1, [2, [3]]]) }} {{ lookup('community.general.flattened', [[4]]) }}
`;

describe("with_flattened and FQCN with_ loops", { timeout: 240_000 }, () => {
  it("as ansible-playbook loops", async () => {
    const kplay = await sameAsAnsible({ main });
    expect(kplay.files.results).toMatch(
      /^644 \['\/usr\/bin', '\/bin', '\/sbin', 'x', 'y', 'z'\]\n\['1', '2', '3'\]\n\['p', 'q'\]\npaths /,
    );
  });
});
