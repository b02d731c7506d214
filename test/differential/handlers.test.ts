// force_handlers, as the play keyword and as --force-handlers: a host that fails after notifying
// still runs its handlers (then stays failed); without it, it does not. Differential with
// ansible-playbook 2.14: files left, recap and exit status.
import { describe, expect, it } from "vitest";
import { runBoth, sameAsAnsible } from "../harness/differential.js";

const PLAY = (keyword: string) => (out: string) => `
- hosts: all
  gather_facts: false
  ${keyword}
  tasks:
    - command: "true"
      notify: [first, second]
    - fail: { msg: "h1 fails" }
      when: inventory_hostname == 'h1'
    - copy: { dest: "${out}/{{ inventory_hostname }}-after", content: "x" }
  handlers:
    - name: first
      copy: { dest: "${out}/{{ inventory_hostname }}-first", content: "1" }
      notify: third
    - name: second
      copy: { dest: "${out}/{{ inventory_hostname }}-second", content: "2" }
    - name: third
      copy: { dest: "${out}/{{ inventory_hostname }}-third", content: "3" }
`;

describe("force_handlers", { timeout: 240_000 }, () => {
  it.each([
    ["the play keyword", PLAY("force_handlers: true"), [], true],
    ["--force-handlers", PLAY(""), ["--force-handlers"], true],
    ["neither", PLAY("force_handlers: false"), [], false],
  ] as const)("%s: the failed host's handlers run or not, as ansible-playbook", async (_n, main, cli, forced) => {
    const [kplay, ansible] = await runBoth({ main, cli: [...cli] });
    // a host failed: ansible-playbook exits 2, kplay 1 (its code for failed hosts; 2 is bad input)
    expect([ansible.status, kplay.status], ansible.output + kplay.output).toEqual([2, 1]);
    expect(kplay.files).toEqual(ansible.files);
    expect(kplay.recap).toEqual(ansible.recap);
    expect(Object.keys(kplay.files).filter((f) => f.startsWith("h1-"))).toEqual(
      forced ? ["h1-first", "h1-second", "h1-third"] : [],
    );
    expect(kplay.files["h2-third"]).toBe("644 3");
  });
});

// An import_tasks among handlers is replaced by its tasks, each notified by its own name, with
// the import's `when` (kubespray's etcd role notifies "Backup etcd data", a task of an import).
const IMPORTED = (_out: string) => `
- hosts: all
  gather_facts: false
  tasks:
    - command: "true"
      notify: [second of the import]
  handlers:
    - name: the import
      import_tasks: handlers-imported.yml
      when: inventory_hostname == 'h1'
`;

describe("handlers from import_tasks", { timeout: 240_000 }, () => {
  it("are notified one by one, by their own names, with the import's conditions", async () => {
    const kplay = await sameAsAnsible({
      main: IMPORTED,
      files: (out) => ({
        "handlers-imported.yml": `
- name: first of the import
  copy: { dest: "${out}/{{ inventory_hostname }}-first", content: "1" }
- name: second of the import
  copy: { dest: "${out}/{{ inventory_hostname }}-second", content: "2" }
`,
      }),
    });
    expect(Object.keys(kplay.files)).toEqual(["h1-second"]);
  });
});

// meta end_play, end_batch and end_host leave the hosts complete: a handler they notified before
// never runs (Ansible sets the hosts' state to COMPLETE; force_handlers does not change that).
const ENDED =
  (meta: string, head = "") =>
  (out: string) => `
- hosts: all
  gather_facts: false
  ${head}
  tasks:
    - command: "true"
      notify: done
    - meta: ${meta}
      when: inventory_hostname == 'h1'
    - copy: { dest: "${out}/{{ inventory_hostname }}-after", content: "x" }
  post_tasks:
    - copy: { dest: "${out}/{{ inventory_hostname }}-post", content: "p" }
  handlers:
    - name: done
      copy: { dest: "${out}/{{ inventory_hostname }}-handler", content: "h" }
- hosts: all
  gather_facts: false
  tasks:
    - copy: { dest: "${out}/{{ inventory_hostname }}-next-play", content: "n" }
`;

describe("meta ending a play, a batch or a host", { timeout: 240_000 }, () => {
  it.each([
    ["end_play", ENDED("end_play")],
    ["end_play with force_handlers", ENDED("end_play", "force_handlers: true")],
    ["end_batch with serial: 1", ENDED("end_batch", "serial: 1")],
    ["end_host", ENDED("end_host")],
  ] as const)("%s: the handlers notified before it run or not, as ansible-playbook", async (_n, main) => {
    await sameAsAnsible({ main });
  });
});
