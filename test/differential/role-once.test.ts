// A role runs once per host per play, as Ansible 2.14 decides it at run time: a second occurrence
// with the same identity (name, parameters, and the when/tags/vars it is named with) is skipped
// for a host where the first one ran a task; a first occurrence skipped by its `when` does not
// count (kubespray: runc is a dependency of cri-o, skipped, and of containerd, run); other
// parameters or allow_duplicates run it again.
import { describe, expect, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

const files = (out: string) => ({
  "roles/runc/tasks/main.yml": `- shell: echo "runc {{ tag | default('-') }}" >> ${out}/log-{{ inventory_hostname }}\n`,
  "roles/crio/meta/main.yml": "dependencies: [runc]\n",
  "roles/crio/tasks/main.yml": `- shell: echo crio >> ${out}/log-{{ inventory_hostname }}\n`,
  "roles/containerd/meta/main.yml": "dependencies: [runc]\n",
  "roles/containerd/tasks/main.yml": `- shell: echo containerd >> ${out}/log-{{ inventory_hostname }}\n`,
  "roles/dup/meta/main.yml": "allow_duplicates: true\n",
  "roles/dup/tasks/main.yml": `- shell: echo dup >> ${out}/log-{{ inventory_hostname }}\n`,
});

const PLAY = () => `
- hosts: h1,h2
  gather_facts: false
  roles:
    - role: crio
      when: inventory_hostname == 'h2'
    - containerd
    - runc
    - { role: runc, tag: other }
    - dup
    - dup
`;

describe("roles run once per host", { timeout: 240_000 }, () => {
  it("as ansible-playbook decides it", async () => {
    const kplay = await sameAsAnsible({ main: PLAY, files });
    expect(kplay.files["log-h2"]).toBe("644 runc -\ncrio\ncontainerd\nrunc other\ndup\ndup\n");
  });
});
