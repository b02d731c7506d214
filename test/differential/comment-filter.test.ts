// Ansible's `comment` filter, as templates use it (`{{ ansible_managed | comment }}`, dev-sec's
// ssh_hardening): each style, multi-line text with an empty line, the parts overridden.
import { describe, expect, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

const main = (out: string) => `
- hosts: h1
  gather_facts: false
  vars:
    text: "a\\nb\\n\\nc"
  tasks:
    - copy:
        dest: "${out}/comments"
        content: |
          {{ 'Ansible managed' | comment }}
          {{ text | comment('c') }}
          {{ text | comment('cblock') }}
          {{ text | comment('xml') }}
          {{ 'x' | comment('erlang', prefix_count=2, postfix='--', postfix_count=3) }}
          {{ text | comment(decoration='; ', beginning='[', end=']') }}
          {{ 'x' | comment(style='plain', prefix=text, newline='|') }}
`;

describe("the comment filter", { timeout: 240_000 }, () => {
  it("as Ansible's", async () => {
    const kplay = await sameAsAnsible({ main });
    expect(kplay.files.comments).toMatch(/^644 #\n# Ansible managed\n#\n\/\/\n\/\/ a\n\/\/ b\n\/\/\n\/\/ c\n/);
  });
});
