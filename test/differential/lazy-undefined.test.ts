// An undefined value handed to a filter is used only if the filter uses it, as Jinja's Undefined:
// default's fallback is evaluated only when it replaces (and an undefined fallback stays undefined
// for the next default), ternary evaluates only the value it returns and takes none_val. Real
// roles lean on both (dev-sec's os_hardening: `mount.src | default(mountinfo.device, true)`).
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
});
