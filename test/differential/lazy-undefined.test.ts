// An undefined value handed to a filter is used only if the filter uses it, as Jinja's Undefined:
// default's fallback is evaluated only when it replaces (and an undefined fallback stays undefined
// for the next default), ternary evaluates only the value it returns and takes none_val. Real
// roles lean on both (dev-sec's os_hardening: `mount.src | default(mountinfo.device, true)`).
// An undefined value inside a list or dict literal is held, not refused: it may be counted,
// tested, selected out or defaulted, and fails the task once it is printed, joined or compared.
import { describe, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

describe("undefined arguments of default and ternary", () => {
  it("are read only when chosen, as Ansible reads them", async () => {
    await sameAsAnsible({
      main: (out) => `
- hosts: all
  gather_facts: false
  vars:
    m: { src: /dev/sda1, zero: 0 }
    info: "{{ [] | first | default(None) }}"
    nothing: null
  tasks:
    - copy:
        dest: "${out}/{{ inventory_hostname }}"
        content: |
          {{ m.src | default(info.device, true) }}
          {{ m.src | default(nothing.device) }}
          {{ m.zero | default(nothing.device, true) | default('fallback', true) }}
          {{ m.nope | default(default_value='kw') }}
          {{ (foo is defined) | ternary(foo, 'none') }}
          {{ true | ternary('yes', foo.bar) }}
          {{ none | ternary('yes', 'no', 'null') }}
          {{ none | ternary('yes', 'no') }}
          {{ m.zero | ternary(true_val='t', false_val='f') }}
`,
    });
  });

  it("an undefined fallback that is used still fails the task", async () => {
    await sameAsAnsible(
      {
        main: (out) => `
- hosts: all
  gather_facts: false
  tasks:
    - copy: { dest: "${out}/{{ inventory_hostname }}", content: "{{ nope | default(nothing_here.x) }}" }
      ignore_errors: true
      register: r
    - copy: { dest: "${out}/failed-{{ inventory_hostname }}", content: "{{ r.failed }}" }
`,
      },
      0,
    );
  });

  it("an undefined value held in a list or dict: counted, tested, defaulted; used, it fails", async () => {
    await sameAsAnsible(
      {
        main: (out) => `
- hosts: all
  gather_facts: false
  tasks:
    - copy:
        dest: "${out}/{{ inventory_hostname }}"
        content: |
          {{ [nothing] | length }} {{ [nothing.x] | length }} {{ (nothing.x, 1) | length }}
          {{ {'a': nothing} | length }} {{ [nothing][0] is defined }} {{ [nothing] is defined }}
          {{ [1, nothing] | reject('undefined') | list }} {{ [nothing.x, 2] | select('defined') | list }}
          {{ {'a': nothing}.a | default(5) }} {{ [nothing] | first | default(7) }}
          {{ [nothing, 4] | map('default', 3) | list }} {{ [0, nothing] | map('d', 'e', true) | list }}
    - copy: { dest: "${out}/shown-{{ inventory_hostname }}", content: "{{ [nothing] }}" }
      ignore_errors: true
      register: shown
    - copy: { dest: "${out}/joined-{{ inventory_hostname }}", content: "{{ [1, nothing] | join(',') }}" }
      ignore_errors: true
      register: joined
    - set_fact: { kept: "{{ {'a': [nothing]} }}" }
      ignore_errors: true
      register: kept
    - copy:
        dest: "${out}/failed-{{ inventory_hostname }}"
        content: "{{ shown.failed }} {{ joined.failed }} {{ kept.failed }} {{ kept_value | default('unset') }}"
`,
      },
      0,
    );
  });
});
