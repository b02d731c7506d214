// ansible.posix.sysctl's file side as ansible-playbook 2.14 (Debian's ansible collections) keeps
// it: nothing written while the file's value is the one asked; otherwise every `key = value` line
// rewritten as `key=value`, a key's later duplicates dropped, blank and comment lines stripped;
// yes/true as 1; absent dropping the key; the default file and defaults of reload and
// sysctl_set. reload and sysctl_set are off here (they would change this machine's kernel);
// their effect is compared on fresh nodes (test/integration/roles.test.ts).
import { describe, expect, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

const CONF = `# kernel settings
  net.ipv4.ip_forward = 0
; another comment
vm.swappiness=60

kernel.pid_max = 65536
vm.swappiness = 30
`;

const SYSCTL = (out: string) => `
- hosts: h1
  gather_facts: false
  vars:
    f: { sysctl_file: "${out}/a.conf", reload: false }
  tasks:
    - copy: { dest: "${out}/a.conf", content: ${JSON.stringify(CONF)}, mode: "0640" }
    - copy: { dest: "${out}/b.conf", content: ${JSON.stringify(CONF)} }
    - name: the value the file has already (its last line's)
      ansible.posix.sysctl: { name: vm.swappiness, value: 30, sysctl_file: "${out}/b.conf", reload: false }
      register: same
    - name: a changed value rewrites the file
      sysctl: { name: net.ipv4.ip_forward, value: "yes", sysctl_file: "${out}/a.conf", reload: false }
      register: changed_value
    - name: a new key is appended
      sysctl: { name: " net.core.somaxconn ", value: " 1024 ", sysctl_file: "${out}/a.conf", reload: false }
    - name: words compared as text
      sysctl: { name: net.ipv4.tcp_rmem, value: "4096   87380 6291456", sysctl_file: "${out}/a.conf", reload: false }
    - name: absent drops the key
      sysctl: { name: kernel.pid_max, state: absent, sysctl_file: "${out}/a.conf", reload: false }
      register: dropped
    - name: absent again changes nothing
      sysctl: { name: kernel.pid_max, state: absent, sysctl_file: "${out}/a.conf", reload: false }
      register: dropped_again
    - name: a file that does not exist yet
      sysctl: { name: vm.overcommit_memory, value: false, sysctl_file: "${out}/new.conf", reload: false }
    - copy:
        dest: "${out}/results"
        content: "{{ [same.changed, changed_value.changed, dropped.changed, dropped_again.changed] }}"
`;

describe("sysctl (ansible.posix.sysctl)", { timeout: 240_000 }, () => {
  it("keeps the file as ansible-playbook does", async () => {
    const kplay = await sameAsAnsible({ main: SYSCTL });
    expect(kplay.files.results).toBe("644 [false, true, true, false]");
    expect(kplay.files["b.conf"]).toBe(`644 ${CONF}`);
  });
});
