// community.general.ini_file as ansible-playbook 2.14 runs it (the collection's 6.x module): new
// files, commented options taken over, several values of one option with and without exclusive,
// options outside any section, no_extra_spaces, allow_no_value, removal of options, values and
// sections, a file without its last newline, CRLF, create=no, modes; each task run twice, so
// "changed" and the module's msg are compared along with the files.
import { describe, expect, it } from "vitest";
import { sameAsAnsible, twiceEach, twiceResults, type ModuleSteps } from "../harness/differential.js";

const EXISTING = "# top comment\nglobal = 1\n\n[main]\n# port = 80\nname = old\n\n# trailing comment\n[other]\nx=1\n";

const STEPS: ModuleSteps = [
  ["new", "path: OUT/new.ini, section: s, option: o, value: v"],
  ["new-mode", "path: OUT/mode.ini, section: s, option: o, value: '1', mode: '0600'"],
  ["commented", "path: OUT/ex.ini, section: main, option: port, value: '8080'"],
  ["change", "path: OUT/ex.ini, section: main, option: name, value: new"],
  ["add", "path: OUT/ex.ini, section: main, option: added, value: yes-text"],
  ["global", "path: OUT/ex.ini, option: global, value: '2'"],
  ["global-new", "path: OUT/ex.ini, section: null, option: fresh, value: top"],
  ["spaces", "path: OUT/ex.ini, section: other, option: y, value: '2', no_extra_spaces: true"],
  ["values", "path: OUT/multi.ini, section: d, option: drink, values: [coke, pepsi, coke]"],
  ["values-less", "path: OUT/multi.ini, section: d, option: drink, values: [tea]"],
  ["values-more", "path: OUT/multi.ini, section: d, option: drink, values: [water, milk], exclusive: false"],
  ["absent-value", "path: OUT/multi.ini, section: d, option: drink, values: [milk], state: absent, exclusive: false"],
  ["absent-option", "path: OUT/ex.ini, section: main, option: port, state: absent"],
  ["novalue", "path: OUT/ex.ini, section: flags, option: skip-name-resolve, allow_no_value: true"],
  ["absent-section", "path: OUT/ex.ini, section: other, state: absent"],
  ["no-newline", "path: OUT/nonl.ini, section: a, option: b, value: c"],
  ["crlf", "path: OUT/crlf.ini, section: a, option: k, value: v2"],
  ["absent-missing", "path: OUT/missing.ini, section: a, option: b, state: absent"],
];

const main = (out: string) => `
- hosts: h1
  gather_facts: no
  tasks:
    - copy: { dest: "${out}/ex.ini", content: ${JSON.stringify(EXISTING)} }
    - copy: { dest: "${out}/nonl.ini", content: "[a]\\nb = c" }
    - copy: { dest: "${out}/crlf.ini", content: "[a]\\r\\nk = v\\r\\nother = 1\\r\\n" }
${twiceEach(STEPS, { fqcn: "community.general.ini_file", short: "ini_file" }, out)}    - ini_file: { path: "${out}/none.ini", section: a, option: b, value: c, create: no }
      register: nocreate
      ignore_errors: true
    - ini_file: { path: "${out}/nov.ini", section: a, option: b }
      register: novalue_given
      ignore_errors: true
    - copy:
        dest: "${out}/results"
        content: |
${twiceResults(STEPS, "          ")}
          nocreate: {{ nocreate.failed }} {{ nocreate.msg is search('^Destination /.*/none.ini does not exist!$') }} {{ nocreate.rc | default('-') }}
          novalue: {{ novalue_given.failed }} {{ novalue_given.msg }}
`;

describe("ini_file", { timeout: 240_000 }, () => {
  it("as community.general's module does it, run twice", async () => {
    const kplay = await sameAsAnsible({ main });
    expect(kplay.files["new.ini"]).toBe("644 \n[s]\no = v\n");
    expect(kplay.files["mode.ini"]).toMatch(/^600 /);
    expect(kplay.files.results).toContain("new: True section and option added / False OK");
  });
});
