// changed_when and failed_when on a result the module failed, as Ansible's task executor applies
// them: changed_when first, on every result that was not skipped (a failed one too), then
// failed_when. kubespray's `command: which resolvconf` with failed_when: false and
// changed_when: false is ok, not changed, on a node without resolvconf.
import { describe, expect, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

const PLAY = (out: string) => `
- hosts: h1
  gather_facts: false
  tasks:
    - command: which no-such-command-here
      register: probe
      failed_when: false
      changed_when: false
    - command: "false"
      register: failing
      changed_when: false
      ignore_errors: true
    - shell: exit 3
      register: decided
      changed_when: decided.rc == 3
      failed_when: decided.rc not in [0, 3]
    - copy:
        dest: "${out}/results"
        content: "{{ [probe.changed, probe.failed, failing.changed, failing.failed, decided.changed, decided.failed] }}"
`;

describe("changed_when and failed_when on failed results", { timeout: 240_000 }, () => {
  it("as ansible-playbook applies them", async () => {
    const kplay = await sameAsAnsible({ main: PLAY });
    expect(kplay.files.results).toBe("644 [false, false, false, true, true, false]");
  });
});
