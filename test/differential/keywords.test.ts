// Keywords written as templates, as roles write them (kubespray's no_log: "{{ not (unsafe_show_logs
// | bool) }}", retries: "{{ pkg_install_retries }}", strategy: "{{ test_strategy | default('linear')
// }}"): kplay refused them at load; Ansible renders them when the play or task runs.
import { describe, expect, it } from "vitest";
import { runBoth, sameAsAnsible } from "../harness/differential.js";

const TEMPLATED = (out: string) => `
- hosts: all
  gather_facts: "{{ do_gather | default(false) }}"
  strategy: "{{ test_strategy | default('linear') }}"
  check_mode: "{{ dry | default(false) }}"
  vars: { show_logs: false, pkg_retries: 2, quiet: true }
  tasks:
    - command: /bin/false
      ignore_errors: "{{ ansible_check_mode or quiet }}"
    - command: echo kept-out-of-the-log
      register: r
      no_log: "{{ not (show_logs | bool) }}"
    - shell: echo x >> ${out}/{{ inventory_hostname }}-tries; exit 1
      register: tried
      until: tried.rc == 0
      retries: "{{ pkg_retries }}"
      delay: "{{ 0 }}"
      ignore_errors: "{{ quiet }}"
    - block:
        - command: /bin/false
          when: inventory_hostname == 'h1'
      any_errors_fatal: "{{ inventory_hostname == 'nobody' }}"
      ignore_errors: "{{ quiet }}"
    - copy:
        dest: ${out}/{{ inventory_hostname }}-results
        content: "{{ tried.attempts }} {{ r.stdout }} {{ ansible_facts.keys() | list | length > 0 }}"
      run_once: "{{ quiet }}"
`;

describe("keywords written as templates", { timeout: 240_000 }, () => {
  it.each([[[]], [["-e", "test_strategy=free"]]])("rendered when they are used (%j)", async (cli) => {
    const [kplay, ansible] = await runBoth({ main: TEMPLATED, cli: [...cli] });
    expect(ansible.status, ansible.output).toBe(0);
    expect(kplay.status, kplay.output).toBe(0);
    expect(kplay.files).toEqual(ansible.files);
    expect(kplay.recap).toEqual(ansible.recap);
    expect(kplay.files["h1-tries"]).toBe("644 x\nx\nx\n");
    expect(kplay.files["h1-results"]).toBe("644 2 kept-out-of-the-log False");
    expect(kplay.output).not.toContain("kept-out-of-the-log");
  });
});

// order (the play's host order, seen through serial: 1 writing one line per host in turn) and
// collections (checked, and short module names still found), as ansible-playbook runs them
const ORDERED = (order: string) => (out: string) => `
- hosts: all
  gather_facts: false
  order: ${order}
  serial: 1
  collections: [community.general, ansible.posix]
  tasks:
    - shell: echo {{ inventory_hostname }} >> ${out}/order
    - ini_file: { path: "${out}/{{ inventory_hostname }}.ini", section: s, option: o, value: "1", mode: "0640" }
      collections: community.general
`;

describe("order and collections", { timeout: 240_000 }, () => {
  it.each(["inventory", "reverse_inventory", "sorted", "reverse_sorted"])("order: %s", async (order) => {
    const kplay = await sameAsAnsible({ main: ORDERED(order) });
    expect(kplay.files.order).toBe(order.startsWith("reverse") ? "644 h2\nh1\n" : "644 h1\nh2\n");
    expect(kplay.files["h1.ini"]).toBe("640 \n[s]\no = 1\n");
  });
});

// ignore_unreachable: h2 is unreachable (SSH to a closed port) for both engines; with the keyword
// it stays in the play, its result registered, counted ok and ignored
const UNREACHABLE = (out: string) => `
- hosts: all
  gather_facts: false
  tasks:
    - command: "true"
      register: r
      ignore_unreachable: true
    - copy: { dest: "${out}/{{ inventory_hostname }}", content: "{{ r.unreachable | default(false) }}" }
      delegate_to: localhost
`;

describe("ignore_unreachable", { timeout: 240_000 }, () => {
  it("keeps an unreachable host in the play, as ansible-playbook does", async () => {
    const h2 = "{ ansible_connection: ssh, ansible_host: 127.0.0.1, ansible_port: 1 }";
    const kplay = await sameAsAnsible({ main: UNREACHABLE, h2 });
    expect(kplay.files).toEqual({ h1: "644 False", h2: "644 True" });
  });
});
