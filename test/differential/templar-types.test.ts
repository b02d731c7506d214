// What type a template's value has, as Ansible's templar decides with jinja2_native off (its
// default): "{{ name }}" naming a number or boolean is that value; every other result is text,
// turned back into a list, a dict or a bool when the text reads as one; None renders as nothing;
// a variable whose value is a template is text when another template reads it. Roles compare
// such values with strings (`x == "2"`) and write them into files ("{{ n }}\n").
import { describe, expect, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

const main = (out: string) => `
- hosts: h1
  gather_facts: false
  vars:
    n: 3
    flag: true
    lazy: "{{ n * 10 }}"
    nothing: null
  tasks:
    - set_fact:
        sum: "{{ 1 + 1 }}"
        listed: "{{ [1, 2] }}"
        truth: "{{ n > 1 }}"
        mapped: "{{ {'a': n} }}"
        floated: "{{ 1.5 * 2 }}"
        none_is: "{{ nothing }}"
    - copy:
        dest: "${out}/types"
        content: |
          {{ sum is string }} {{ sum == "2" }} {{ sum == 2 }} {{ sum | type_debug }}
          {{ listed | type_debug }} {{ truth | type_debug }} {{ mapped | type_debug }} {{ floated | type_debug }}
          {{ none_is | type_debug }} [{{ none_is }}] {{ lazy | type_debug }} {{ (lazy ~ '') == '30' }}
    - copy: { dest: "${out}/bare-number", content: "{{ n }}\\n" }
    - copy: { dest: "${out}/bare-bool", content: "{{ flag }}\\n" }
    - copy: { dest: "${out}/lazy", content: "{{ lazy }}\\n" }
    - copy: { dest: "${out}/sum", content: "{{ n + 1 }}\\n" }
`;

describe("the type of a rendered template", { timeout: 240_000 }, () => {
  it("as Ansible's templar gives it", async () => {
    const kplay = await sameAsAnsible({ main });
    expect(kplay.files.lazy).toBe("644 30\n");
    expect(kplay.files["bare-number"]).toBe("644 3");
    expect(kplay.files.sum).toBe("644 4\n");
  });
});
