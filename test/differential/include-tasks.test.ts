// include_tasks as a task of its own, as Ansible's dynamic include is: its when is evaluated once,
// for the include (a file whose first task changes the condition still runs to its end); its
// tags select the include, not its tasks; its tasks get its vars and what apply gives them
// (`args: {apply}` or `include_tasks: {file, apply}`).
import { describe, expect, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

const files = (out: string) => ({
  "inc.yml": `- set_fact: { done_once: true }
- copy: { dest: "${out}/ran-{{ given | default('none') }}-{{ round }}", content: "x" }
  tags: [inner]
`,
});

const main = () => `
- hosts: h1
  gather_facts: no
  tasks:
    - name: once for the include
      include_tasks: inc.yml
      args: { apply: { tags: [applied] } }
      vars: { given: vars, round: first }
      when: not (done_once | default(false))
      tags: [own]
    - name: again, by file and apply
      include_tasks: { file: inc.yml, apply: { tags: [applied] } }
      vars: { round: second }
      tags: [own]
    - name: not selected by tags
      include_tasks: inc.yml
      vars: { round: third }
`;

describe("include_tasks as a task of its own", { timeout: 240_000 }, () => {
  it("its when once, its vars and apply for its tasks", async () => {
    const kplay = await sameAsAnsible({ main, files });
    expect(Object.keys(kplay.files).sort()).toEqual(["ran-none-second", "ran-none-third", "ran-vars-first"]);
  });

  it("its tags select it; its tasks run only where apply or their own tags are selected", async () => {
    for (const tags of ["own", "own,applied", "inner"]) {
      const kplay = await sameAsAnsible({ main, files, cli: ["--tags", tags] });
      expect(Object.keys(kplay.files).length, tags).toBe(tags === "own,applied" ? 2 : 0);
    }
  });
});
