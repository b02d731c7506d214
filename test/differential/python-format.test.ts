// Python's printf-style formatting as Jinja in Ansible has it — the format filter (kubespray's
// `"%s/member-%s.pem" | format(etcd_cert_dir, host)`) and the % operator on text — and a with_*
// loop over a value that is not a list (one item; kubespray's `with_items` over a null list).
import { describe, expect, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

const EXPRESSIONS = [
  `"%s/member-%s.pem" | format("/etc/ssl/etcd", "node1")`,
  `"%05d|%-6s|%6.2f|%x|%X|%o|%e" | format(42, "ab", 3.14159, 255, 255, 8, 12345.678)`,
  `"%(name)s is %(age)d" | format(name="kube", age=3)`,
  `"%s and %r" | format("a", "b")`,
  `"%s" | format([1, "x"])`,
  `"%+d % d %%" | format(5, 5)`,
  `"%s-%s" % ("a", 1)`,
  `"%.3s|%5.1f" % ("abcdef", 2.25)`,
  `"%d" % 7`,
];

const PLAY = (out: string) => `
- hosts: h1
  gather_facts: false
  vars:
    info: { repos: }
  tasks:
    - copy:
        dest: "${out}/formats"
        content: |
${EXPRESSIONS.map((e) => `          {{ ${e} }}`).join("\n")}
    - shell: echo "[{{ item }}]" >> ${out}/items
      with_items: "{{ info.repos }}"
    - shell: echo "[{{ item }}]" >> ${out}/items
      with_items: 3
`;

describe("Python formatting and with_* terms", { timeout: 240_000 }, () => {
  it("as ansible-playbook renders them", async () => {
    const kplay = await sameAsAnsible({ main: PLAY });
    expect(kplay.files.formats.split("\n")[0]).toBe("644 /etc/ssl/etcd/member-node1.pem");
    expect(kplay.files.items).toBe("644 []\n[3]\n");
  });
});
