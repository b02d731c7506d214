// A role's defaults/ and vars/ given as a directory of files (kubespray's download role keeps its
// checksums in defaults/main/checksums.yml beside defaults/main/main.yml), as Ansible 2.14 reads
// them: every file with .yml/.yaml/.json or no extension, subdirectories too, in name order, a
// later file's top-level keys winning; hidden files, `~` backups and other extensions left out.
import { describe, expect, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

const files = (out: string) => ({
  "roles/dl/defaults/main/checksums.yml": "sums: { a: 1 }\nshared: from-checksums\n",
  "roles/dl/defaults/main/main.yml": "url: https://example/a\nshared: from-main\n",
  "roles/dl/defaults/main/sub/extra.yaml": "extra: deep\n",
  "roles/dl/defaults/main/.hidden.yml": "hidden: yes\n",
  "roles/dl/defaults/main/old.yml~": "backup: yes\n",
  "roles/dl/defaults/main/notes.txt": "txt: vars\n",
  "roles/dl/vars/main.json": '{"from_json": "json"}\n',
  "roles/dl/tasks/main.yml": `- copy:
    dest: "${out}/seen"
    content: "{{ sums.a }} {{ url }} {{ shared }} {{ extra }} {{ from_json }} {{ hidden | default('-') }} {{ backup | default('-') }} {{ txt | default('-') }}"
`,
});

describe("role vars from a directory", { timeout: 240_000 }, () => {
  it("as ansible-playbook reads them", async () => {
    const kplay = await sameAsAnsible({ main: () => "- hosts: h1\n  gather_facts: false\n  roles: [dl]\n", files });
    expect(kplay.files.seen).toBe("644 1 https://example/a from-main deep json - - -");
  });
});
