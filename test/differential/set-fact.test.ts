// set_fact's conversion of boolean words, as Ansible 2.14 does it with jinja2_native off (its
// default; Ansible's set_fact_bool_conv target): a value that is, or renders to, true/false/yes/no
// in any case becomes a boolean; other text stays text. Differential: the files both engines write.
import { describe, expect, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

const BOOL_CONV = (out: string) => `
- hosts: h1
  gather_facts: false
  vars:
    string_var: "no"
  tasks:
    - set_fact:
        this_is_string: "yes"
        this_is_not_string: yes
        this_is_also_string: "{{ string_var }}"
        this_is_another_string: !!str "{% set thing = '' + string_var + '' %}{{ thing }}"
        this_is_more_strings: '{{ string_var + "" }}'
        upper: "TRUE"
        mixed: "False"
        kept: "on"
        number_text: "1"
    - set_fact: kv_yes=yes kv_text=maybe
    - copy:
        dest: "${out}/results"
        content: |
          {{ this_is_string is sameas true }} {{ this_is_not_string is sameas true }}
          {{ this_is_also_string is sameas false }} {{ this_is_another_string is sameas false }}
          {{ this_is_more_strings is sameas false }} {{ upper is sameas true }} {{ mixed is sameas false }}
          {{ kept }} {{ kept is string }} {{ number_text is string }}
          {{ kv_yes is sameas true }} {{ kv_text }}
`;

describe("set_fact", { timeout: 240_000 }, () => {
  it("converts boolean words as Ansible's set_fact does", async () => {
    const kplay = await sameAsAnsible({ main: BOOL_CONV });
    expect(kplay.files.results).toBe("644 True True\nTrue True\nTrue True True\non True True\nTrue maybe\n");
  });
});
