// Module arguments converted by Ansible's argument types, as roles write them: free-form
// key=value (every value a string) given to number fields, a comma-separated string where a
// list is taken, and a conversion that cannot be made failing the task (not the run) in
// Ansible's words. Differential: ansible-playbook 2.14 and kplay leave the same files and recap.
import { describe, expect, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

const FREE_FORM = (out: string) => `
- hosts: h1
  gather_facts: false
  tasks:
    - copy: dest=${out}/a.txt content=a
    - copy: dest=${out}/b.log content=b
    - wait_for: path=${out}/a.txt timeout=5 sleep=1 delay=0
    - find: paths=${out} patterns=*.txt,*.log depth=1
      register: f
    - get_url: url=file://${out}/a.txt dest=${out}/got timeout=10
    - wait_for: path=${out}/a.txt timeout={{ 'abc' }}
      register: bad
      ignore_errors: true
    - copy:
        dest: "${out}/results"
        content: "{{ f.matched }} {{ bad is failed }} {{ bad.msg | regex_replace('^.*(unable to convert to \\\\w+).*$', '\\\\1') }}\\n"
`;

describe("module arguments as Ansible's types convert them", { timeout: 240_000 }, () => {
  it("key=value strings to numbers, a comma-separated list, a failed conversion failing the task", async () => {
    const kplay = await sameAsAnsible({ main: FREE_FORM });
    expect(kplay.files.results).toBe("644 2 True unable to convert to int\n");
    expect(kplay.files.got).toBe("644 a");
  });
});

// Arguments Ansible's module has and kplay's does not implement, on tasks that do not run here
// (another platform's branch): no error, as in Ansible, which judges arguments only when a task runs.
const OTHER_PLATFORM = (out: string) => `
- hosts: h1
  gather_facts: false
  tasks:
    - package: { name: fail2ban, enablerepo: epel, disable_gpg_check: true }
      when: ansible_os_family | default('Debian') == 'RedHat'
    - service: { name: fail2ban, state: started, pattern: fail2ban }
      when: false
    - copy: { content: x, dest: "${out}/never", attributes: "+i", selevel: s0 }
      when: false
    - cron: { name: backup, minute: "0", job: /bin/true }
      when: false
    - ansible.builtin.uri: { url: "http://127.0.0.1:1/", status_code: 200 }
      when: false
    - copy: { content: "reached\\n", dest: "${out}/results" }
`;

describe("arguments and modules kplay does not implement", { timeout: 240_000 }, () => {
  it("stop no run where their task does not run", async () => {
    const kplay = await sameAsAnsible({ main: OTHER_PLATFORM });
    expect(kplay.files.results).toBe("644 reached\n");
    expect(kplay.files.never).toBeUndefined();
  });
});
