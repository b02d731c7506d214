// until/retries as Ansible counts them: the first run plus `retries` (3 when unset), `attempts`
// on the result at each try (failed_when and changed_when can read it), one fewer reported once
// they are exhausted, and failed_when/changed_when deciding what until sees.
import { describe, expect, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

const UNTIL = (out: string) => `
- hosts: h1
  gather_facts: false
  tasks:
    - shell: echo run >> ${out}/runs
      until: 1 == 0
      retries: 2
      delay: 0
      ignore_errors: true
    - shell: "true"
      register: failed_when_until
      failed_when: true
      until: failed_when_until is successful
      retries: 3
      delay: 0
      ignore_errors: true
    - shell: "true"
      register: changed_when_until
      changed_when: false
      until: changed_when_until is changed
      retries: 3
      delay: 0
      ignore_errors: true
    - shell: "true"
      register: attempts_seen
      until: 1 == 0
      retries: 2
      delay: 0
      failed_when: attempts_seen.attempts > 5
    - shell: echo once >> ${out}/no-retries
      register: no_retries
      until: 1 == 0
      retries: 0
    - copy:
        dest: "${out}/results"
        content: |
          {{ failed_when_until.attempts }} {{ changed_when_until.attempts }} {{ attempts_seen.attempts }} {{ attempts_seen is failed }}
          {{ no_retries is failed }} {{ no_retries.attempts | default('none') }}
`;

describe("until and retries", { timeout: 240_000 }, () => {
  it("attempts, runs and failed_when/changed_when inside the loop, as ansible-playbook", async () => {
    const kplay = await sameAsAnsible({ main: UNTIL });
    expect(kplay.files.runs).toBe("644 run\nrun\nrun\n");
    expect(kplay.files.results).toBe("644 3 3 2 True\nFalse 1\n");
  });
});
