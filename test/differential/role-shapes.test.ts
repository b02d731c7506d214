// What kubespray-style and git/containerd-style roles met on fresh nodes (test/fixtures/roles/),
// each as ansible-playbook 2.14 does it: inventory_file and inventory_dir (kubespray builds its
// controller-side paths from them); an include's loop over the playbook's own data choosing a
// controller file outside the playbook's directory (download roles); file recurse reporting a
// change made only below the top directory; a sysctl file that is a symlink (Debian's
// 99-sysctl.conf) replaced by a file; task names rendered in their banner with the first host's
// variables, and shown as written where any part is undefined.
import { describe, expect, it } from "vitest";
import { runBoth } from "../harness/differential.js";

const PATHS = (out: string) => `
- hosts: h1
  gather_facts: false
  vars:
    cache: "{{ inventory_dir }}/cache-{{ inventory_file | basename | splitext | first }}"
    # files every Debian controller has, whose bytes never change (not /etc/passwd: users come and go)
    downloads: { apache: { dest: /x/Apache-2.0 }, gpl: { dest: /y/GPL-2 } }
  tasks:
    - include_tasks: get.yml
      loop: "{{ downloads | dict2items }}"
      loop_control: { loop_var: download_item, label: "{{ download_item.key }}" }
      vars:
        download: "{{ download_item.value }}"
    - copy:
        dest: "${out}/paths"
        content: |
          {{ cache == playbook_dir + '/cache-inv' }} {{ hostvars.h2.inventory_dir == playbook_dir }}
          {{ inventory_file == playbook_dir + '/inv.yml' }}
`;

const GET = (out: string) => `
- name: "get {{ download_item.key }} into {{ download.dest | dirname }}"
  copy: { src: "/usr/share/common-licenses/{{ download.dest | basename }}", dest: "${out}/{{ download_item.key }}", mode: "0600" }
`;

const OWNERS = (out: string) => `
- hosts: h1
  gather_facts: false
  vars: { top: "${out}/tree", who: nobody }
  tasks:
    - file: { path: "{{ top }}/sub", state: directory, mode: "0755" }
    - copy: { dest: "{{ top }}/sub/f", content: "x\\n" }
    - name: "owned by {{ who }} with {{ item | default('no item') }}"
      file: { path: "{{ top }}", state: directory, owner: nobody, group: nogroup, recurse: true }
      register: first
    - name: "{{ who }} owns a new file, its group left"
      copy: { dest: "{{ top }}/sub/g", content: "y\\n", owner: nobody }
    - file: { path: "{{ top }}", state: directory, owner: nobody, group: nogroup, recurse: true }
      register: second
    - file: { path: "{{ top }}", state: directory, owner: nobody, group: nogroup, recurse: true }
      register: third
    - file: { path: "${out}/sysctl.d", state: directory }
    - copy: { dest: "${out}/base.conf", content: "a = 1\\n", mode: "0640" }
    - file: { path: "${out}/sysctl.d/99-sysctl.conf", src: ../base.conf, state: link }
    - sysctl: { name: vm.swappiness, value: "5", sysctl_file: "${out}/sysctl.d/99-sysctl.conf", reload: false }
    - stat: { path: "${out}/sysctl.d/99-sysctl.conf" }
      register: st
    - copy:
        dest: "${out}/results"
        content: |
          {{ first.changed }} {{ second.changed }} {{ third.changed }}
          {{ st.stat.islnk }} {{ st.stat.mode }} {{ lookup('file', '${out}/sysctl.d/99-sysctl.conf') }}
`;

/** The banners of the tasks named with a template, in order. */
const titles = (output: string) =>
  [...output.matchAll(/^TASK \[(?:\S+ : )?((?:get|owned|nobody|\{\{) [^\]]*)\]/gm)].map((m) => m[1]);

describe("what role-shaped playbooks meet", { timeout: 240_000 }, () => {
  it("inventory paths, an include's item choosing a controller file, titles rendered", async () => {
    const [kplay, ansible] = await runBoth({ main: PATHS, files: (out) => ({ "get.yml": GET(out) }) });
    expect(ansible.status, ansible.output).toBe(0);
    expect(kplay.status, kplay.output).toBe(0);
    expect(kplay.files).toEqual(ansible.files);
    expect(kplay.recap).toEqual(ansible.recap);
    expect(kplay.files.paths).toBe("644 True True\nTrue\n");
    expect(kplay.files.apache).toMatch(/^600 \s*Apache License/);
    expect(titles(kplay.output)).toEqual(titles(ansible.output));
    expect(titles(kplay.output)).toEqual(["get apache into /x", "get gpl into /y"]);
  });

  it("recurse reports ownership fixed below the top; a sysctl symlink becomes a file", async () => {
    const [kplay, ansible] = await runBoth({ main: OWNERS });
    expect(ansible.status, ansible.output).toBe(0);
    expect(kplay.status, kplay.output).toBe(0);
    expect(kplay.files).toEqual(ansible.files);
    expect(kplay.recap).toEqual(ansible.recap);
    expect(kplay.files.results).toBe("644 True True False\nFalse 0640 a=1\nvm.swappiness=5\n");
    expect(titles(kplay.output)).toEqual(titles(ansible.output));
    expect(titles(kplay.output)).toEqual(["owned by nobody with no item", "nobody owns a new file, its group left"]);
  });
});
