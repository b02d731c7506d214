// community.crypto.openssh_keypair with its default backend (ssh-keygen), as ansible-playbook
// 2.14 with Debian's collections runs it: a key made once, then left alone; a key of another
// size regenerated with the old file's mode kept; a missing public key restored, its comment
// set; regenerate=fail on a key of the wrong size; state=absent reporting the key it removed;
// a missing directory; mode given applies to both files. The keys' bytes are random: their types, sizes, comments and modes are
// what is compared.
import { describe, expect, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

const main = (out: string) => `
- hosts: h1
  gather_facts: false
  vars: { d: "${out}/../keys" }
  tasks:
    - file: { path: "{{ d }}", state: directory }
    - community.crypto.openssh_keypair: { path: "{{ d }}/ed", type: ed25519, comment: "me@x" }
      register: r1
    - openssh_keypair: { path: "{{ d }}/ed", type: ed25519, comment: "me@x" }
      register: r2
    - command: ssh-keygen -q -N '' -t rsa -b 1024 -f {{ d }}/rsa -C old
      args: { creates: "{{ d }}/rsa" }
    - file: { path: "{{ d }}/rsa", mode: "0400" }
    - community.crypto.openssh_keypair: { path: "{{ d }}/rsa", size: 2048 }
      register: r3
    - file: { path: "{{ d }}/rsa.pub", state: absent }
    - community.crypto.openssh_keypair: { path: "{{ d }}/rsa", size: 2048, comment: newc, mode: "0600" }
      register: r4
    - community.crypto.openssh_keypair: { path: "{{ d }}/rsa", size: 3072, regenerate: fail }
      register: r5
      ignore_errors: true
    - community.crypto.openssh_keypair: { path: "{{ d }}/ed", state: absent }
      register: r6
    - community.crypto.openssh_keypair: { path: "{{ d }}/nodir/x" }
      register: r7
      ignore_errors: true
    - shell: cd {{ d }} && find . -type f -printf '%m %f\\n' | sort
      register: modes
    - copy:
        dest: "${out}/results"
        content: |
          {% for r in [r1, r2, r3, r4, r6] %}{{ r.changed }} {{ r.size }} {{ r.type }} [{{ r.comment }}] {{ r.public_key.split(' ')[0] }} {{ r.fingerprint[:7] }} {{ r.filename | basename }}
          {% endfor %}{{ r5.msg }}
          {{ r7.msg | replace(d, 'D') }}
          {{ modes.stdout_lines }}
`;

describe("openssh_keypair", { timeout: 240_000 }, () => {
  it("as ansible-playbook's (the ssh-keygen backend)", async () => {
    const kplay = await sameAsAnsible({ main });
    expect(kplay.files.results).toMatch(/^644 True 256 ed25519 \[me@x\] ssh-ed25519 SHA256: ed\nFalse 256/);
    expect(kplay.files.results).toMatch(/\['600 rsa', '600 rsa.pub'\]\n$/);
  });
});
