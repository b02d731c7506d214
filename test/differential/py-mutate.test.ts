// Python's changing list and dict methods in templates, as roles use them (kubespray's
// openssl.conf counter macro, containerd's mirror list built with append in a loop, kubelet's
// node_taints.append, local_volume_provisioner's dict.pop): the change is seen by the rest of the
// same template or string, and by nothing after it — not the next task, not another host — as
// Ansible's per-host worker process leaves it. hostvars cannot be changed; `vars` holds every
// variable in scope.
import { describe, expect, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

const CERT_TEMPLATE = `{% set counter = {'dns': 2,'ip': 1,} %}{% macro increment(dct, key, inc=1)%}{% if dct.update({key: dct[key] + inc}) %} {% endif %}{% endmacro %}[req]
{% for h in names %}
DNS.{{ counter["dns"] }} = {{ h }}{{ increment(counter, 'dns') }}
{% endfor %}
{% set l = [] %}{% for x in names %}{% if l.append(x | upper) %}{% endif %}{% endfor %}
{{ l }} {{ taints.append(inventory_hostname) }} {{ taints }}
{% set value = d.pop('a') %}{{ value }} {{ d }} {{ d.setdefault('z', 5) }} {{ d }} {{ d.pop('q', 'dflt') }}
{% set m = [3, 1, 2] %}{{ m.insert(0, 9) }}{{ m.insert(-1, 8) }}{{ m.extend([7]) }}{{ m.remove(1) }}{{ m.pop() }} {{ m.pop(0) }} {{ m }}
{% set e = {'k': 1} %}{{ e.update([['j', 2]]) }}{{ e.update(k=3) }}{% set pi = e.popitem() %}{{ pi[0] }}={{ pi[1] }} {{ e }} {% if e.clear() %}{% endif %}{{ e }}
`;

const main = (out: string) => `
- hosts: all
  gather_facts: no
  vars:
    names: [a, b, c]
    taints: [x]
    d: {a: 1, b: 2}
  tasks:
    - template: { src: cert.j2, dest: "${out}/cert-{{ inventory_hostname }}" }
    - set_fact:
        seen: "{{ taints }} {{ d }} {{ taints.append(3) }} {{ taints }}"
        built: "{{ taints + [d.pop('b')] }}"
    - copy:
        dest: "${out}/after-{{ inventory_hostname }}"
        content: "{{ seen }} | {{ built }} | {{ taints }} {{ d }}\\n"
    - debug: { msg: "{{ [1, 2].pop(5) }}" }
      register: bad_pop
      ignore_errors: true
    - debug: { msg: "{{ {}.pop('nope') }}" }
      register: bad_key
      ignore_errors: true
    - debug: { msg: "{{ hostvars[inventory_hostname].update({'zz': 1}) }}" }
      register: bad_hostvars
      ignore_errors: true
    - copy:
        dest: "${out}/errors-{{ inventory_hostname }}"
        content: "{{ bad_pop is failed }} {{ bad_key is failed }} {{ bad_hostvars is failed }}\\n"
    - copy:
        dest: "${out}/vars-{{ inventory_hostname }}"
        content: "{{ vars['names'] }} {{ 'taints' in vars }} {{ vars.get('nope', 'd') }} {{ vars.d.b }}\\n"
`;

describe("Python's changing methods in templates", { timeout: 240_000 }, () => {
  it("seen within one template or string, gone for the next task and the other host", async () => {
    const kplay = await sameAsAnsible({ main, templates: { "cert.j2": CERT_TEMPLATE } });
    expect(kplay.files["cert-h1"]).toContain("DNS.4 = c");
    expect(kplay.files["cert-h2"]).toContain("['x', 'h2']");
    expect(kplay.files["after-h2"]).toBe("644 ['x'] {'a': 1, 'b': 2}  ['x', 3] | ['x', 2] | ['x'] {'a': 1, 'b': 2}\n");
    expect(kplay.files["errors-h1"]).toBe("644 True True True\n");
    expect(kplay.files["vars-h2"]).toBe("644 ['a', 'b', 'c'] True d 2\n");
  });
});
