// Ansible's magic variables a role-based play reads (kubespray's roles test
// `'bootstrap-os' not in ansible_play_role_names`): ansible_play_role_names and role_names (the
// roles the play names), ansible_dependent_role_names (their meta dependencies),
// ansible_role_names (both), role_name inside a role, ansible_version; facts given to the implicit
// localhost with delegate_facts (kubespray-defaults' fallback_ips) and hostvars listing it then.
import { describe, expect, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

const ROLE_TASK = (out: string, role: string) => `
- copy:
    dest: "${out}/${role}"
    content: |
      {{ role_name }} {{ ansible_play_role_names }} {{ role_names }}
      {{ ansible_dependent_role_names | sort }} {{ ansible_role_names | sort }}
      {{ 'bootstrap-os' not in ansible_play_role_names }} {{ 'common' in ansible_dependent_role_names }}
`;

const files = (out: string) => ({
  "roles/common/tasks/main.yml": ROLE_TASK(out, "common"),
  "roles/web/meta/main.yml": "dependencies: [common]\n",
  "roles/web/tasks/main.yml": ROLE_TASK(out, "web"),
  "roles/db/tasks/main.yml": ROLE_TASK(out, "db"),
});

const PLAY = (out: string) => `
- hosts: h1
  gather_facts: false
  roles: [web, db]
  tasks:
    - copy:
        dest: "${out}/play"
        content: |
          {{ ansible_play_role_names }} {{ ansible_role_names | sort }}
          {{ ansible_version.major }}.{{ ansible_version.minor }} {{ ansible_version.full is version('2.9', '>=') }}
`;

const DELEGATED_FACTS = (out: string) => `
- hosts: h1,h2
  gather_facts: false
  tasks:
    - name: a fact given to the implicit localhost, once
      set_fact:
        base: "{{ ansible_play_hosts | join(',') }}"
      delegate_to: localhost
      delegate_facts: true
      run_once: true
    - copy:
        dest: "${out}/{{ inventory_hostname }}"
        content: |
          {{ hostvars.localhost.base }} {{ hostvars['localhost'].base | length }}
          {{ base | default('none') }} {{ hostvars | list | sort }}
`;

const shared = (out: string) => ({
  "roles/a/defaults/main.yml": "da: a-defaults\nshared: a-defaults\n",
  "roles/a/vars/main.yml": "va: a-vars\npv: a-vars\n",
  "roles/a/tasks/main.yml": "- debug: { msg: a }\n",
  "roles/b/tasks/main.yml": `- copy: { dest: "${out}/in-b", content: "{{ da }} {{ va }} {{ shared }} {{ pv }}" }\n`,
});

const SHARED_ROLE_VARS = (out: string) => `
- hosts: h1
  gather_facts: false
  vars: { pv: play, shared: play }
  roles: [a, b]
  tasks:
    - copy: { dest: "${out}/in-play", content: "{{ da }} {{ va }} {{ shared }} {{ pv }}" }
`;

describe("magic variables of roles", { timeout: 240_000 }, () => {
  it("role names and ansible_version as ansible-playbook sets them", async () => {
    const kplay = await sameAsAnsible({ main: PLAY, files });
    expect(kplay.files.play).toBe("644 ['web', 'db'] ['common', 'db', 'web']\n2.14 True\n");
  });

  it("a role's defaults and vars reach every task of the play (kubespray-defaults)", async () => {
    const kplay = await sameAsAnsible({ main: SHARED_ROLE_VARS, files: shared });
    expect(kplay.files["in-b"]).toBe("644 a-defaults a-vars play a-vars");
    expect(kplay.files["in-play"]).toBe("644 a-defaults a-vars play a-vars");
  });

  it("facts delegated to the implicit localhost are in hostvars.localhost, which hostvars then lists", async () => {
    const kplay = await sameAsAnsible({ main: DELEGATED_FACTS });
    expect(kplay.files.h2).toBe("644 h1,h2 5\nnone ['h1', 'h2', 'localhost']\n");
  });
});
