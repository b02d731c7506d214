// community.general.pam_limits as ansible-playbook 2.14 runs it (dev-sec's os_hardening uses it):
// a new file, a limit appended, a value replaced, use_max and use_min against numbers and
// unlimited, comments carried over, lines of other shapes kept, bad values (given or in the file) refused in the module's
// words; each task run twice, files and results compared.
import { describe, expect, it } from "vitest";
import { sameAsAnsible, twiceEach, twiceResults, type ModuleSteps } from "../harness/differential.js";

const EXISTING = [
  "# /etc/security/limits.conf",
  "#",
  "*               soft    core            0",
  "  # an indented comment",
  "@admins   hard  nofile   4096   # admins",
  "root hard nproc unlimited",
  "odd line with five fields",
  "",
].join("\n");

const STEPS: ModuleSteps = [
  ["new", "dest: OUT/new.conf, domain: '*', limit_type: soft, limit_item: nofile, value: 1024"],
  ["same", "dest: OUT/limits.conf, domain: '*', limit_type: soft, limit_item: core, value: '0'"],
  ["replace", "dest: OUT/limits.conf, domain: '@admins', limit_type: hard, limit_item: nofile, value: '8192'"],
  [
    "max-lower",
    "dest: OUT/limits.conf, domain: '@admins', limit_type: hard, limit_item: nofile, value: 100, use_max: yes",
  ],
  [
    "min-lower",
    "dest: OUT/limits.conf, domain: '@admins', limit_type: hard, limit_item: nofile, value: 100, use_min: yes",
  ],
  [
    "max-unlimited",
    "dest: OUT/limits.conf, domain: root, limit_type: hard, limit_item: nproc, value: 10, use_max: yes",
  ],
  [
    "min-unlimited",
    "dest: OUT/limits.conf, domain: root, limit_type: hard, limit_item: nproc, value: 10, use_min: yes",
  ],
  ["append", "dest: OUT/limits.conf, domain: user1, limit_type: '-', limit_item: maxlogins, value: '3', comment: two"],
  ["nice", "dest: OUT/limits.conf, domain: user2, limit_type: soft, limit_item: nice, value: '-5'"],
];

const main = (out: string) => `
- hosts: h1
  gather_facts: no
  tasks:
    - copy: { dest: "${out}/limits.conf", content: ${JSON.stringify(EXISTING)} }
${twiceEach(STEPS, { fqcn: "community.general.pam_limits", short: "pam_limits" }, out)}    - copy: { dest: "${out}/bad.conf", content: "ftp   -   chroot   /ftp\\n" }
    - pam_limits: { dest: "${out}/bad.conf", domain: x, limit_type: soft, limit_item: core, value: 1 }
      register: bad_line
      ignore_errors: true
    - pam_limits: { dest: "${out}/limits.conf", domain: x, limit_type: soft, limit_item: nofile, value: lots }
      register: bad_value
      ignore_errors: true
    - pam_limits: { dest: "${out}/limits.conf", domain: x, limit_type: soft, limit_item: nice, value: '30' }
      register: bad_nice
      ignore_errors: true
    - pam_limits: { dest: "${out}/new.conf", domain: x, limit_type: soft, limit_item: core, value: 1, use_max: yes, use_min: yes }
      register: both
      ignore_errors: true
    - copy:
        dest: "${out}/results"
        content: |
${twiceResults(STEPS, "          ", (r) => `{{ ${r}.msg | to_json }}`)}
          {{ bad_line.msg | replace('${out}', 'OUT') }}
          {{ bad_value.msg }}
          {{ bad_nice.msg }}
          {{ both.msg }}
`;

describe("pam_limits", { timeout: 240_000 }, () => {
  it("as community.general's module edits limits.conf, run twice", async () => {
    const kplay = await sameAsAnsible({ main });
    expect(kplay.files["new.conf"]).toBe("644 *\tsoft\tnofile\t1024\n");
  });
});
