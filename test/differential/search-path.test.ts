// Where a task's files are looked for, as Ansible's task search path has it: its own role, then
// the roles that depend on it (nearest first), then its own file's directory (kubespray's
// containerd-common finds containerd's vars/debian.yml through `paths: ../vars` this way).
// ansible_search_path says the same.
import { describe, expect, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

const files = (out: string) => ({
  "roles/parent/meta/main.yml": "dependencies: [child]\n",
  "roles/parent/vars/debian.yml": "found_in: parent\n",
  "roles/parent/tasks/main.yml": "- debug: msg=parent\n",
  "roles/parent/files/only-parent.txt": "from the parent's files\n",
  "roles/child/vars/suse.yml": "found_in: child-suse\n",
  "roles/child/tasks/main.yml": `- include_vars: "{{ item }}"
  with_first_found:
    - files: [debian.yml, defaults.yml]
      paths: [../vars]
- copy: { src: only-parent.txt, dest: "${out}/copied" }
- copy:
    dest: "${out}/seen"
    content: "{{ found_in }} {{ (ansible_search_path | map('basename') | list)[:3] }} {{ ansible_search_path | length }}"
`,
});

describe("a task's search path", { timeout: 240_000 }, () => {
  it("its role, the roles that depend on it, its file's directory", async () => {
    const kplay = await sameAsAnsible({ main: () => "- hosts: h1\n  gather_facts: false\n  roles: [parent]\n", files });
    expect(kplay.files.seen).toBe("644 parent ['child', 'parent', 'tasks'] 4");
    expect(kplay.files.copied).toBe("644 from the parent's files\n");
  });
});
