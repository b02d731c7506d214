// ansible.posix.mount's fstab side as ansible-playbook 2.14 (Debian's ansible collections) does
// it: an entry appended, left alone when equal, rewritten in place when a field differs; a swap
// entry (mount point "none") matched by its source too; boot=false adding noauto; blanks and
// backslashes written with fstab's octal escapes; absent and absent_from_fstab dropping it; the
// FQCN and the routed short name. The mounting states are checked on fresh nodes
// (test/integration/roles.test.ts), not on this machine.
import { describe, expect, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

const FSTAB = `# /etc/fstab: static file system information.
UUID=1234 / ext4 errors=remount-ro 0 1
/swap1 none swap sw 0 0
proc /proc proc defaults
`;

const MOUNTS = (out: string) => `
- hosts: h1
  gather_facts: false
  tasks:
    - copy: { dest: "${out}/fstab", content: ${JSON.stringify(FSTAB)}, mode: "0644" }
    - name: a new entry
      ansible.posix.mount: { path: /srv/data, src: /dev/sdb1, fstype: xfs, state: present, fstab: "${out}/fstab" }
      register: added
    - name: the same again
      mount: { name: /srv/data, src: /dev/sdb1, fstype: xfs, state: present, fstab: "${out}/fstab" }
      register: same
    - name: options changed in place, dump and passno as numbers
      mount: { path: /srv/data, src: /dev/sdb1, fstype: xfs, opts: "noatime,nodev", dump: 1, passno: 2, state: present, fstab: "${out}/fstab" }
      register: rewritten
    - name: a second swap file is its own entry
      mount: { name: none, src: /swap2, fstype: swap, opts: sw, state: present, fstab: "${out}/fstab" }
    - name: the first swap file left alone
      mount: { name: none, src: /swap1, fstype: swap, opts: sw, state: present, fstab: "${out}/fstab" }
      register: swap1
    - name: blanks and a backslash escaped, not mounted at boot
      mount: { path: "/srv/my data", src: 'server:/ex\\port', fstype: nfs, boot: false, state: present, fstab: "${out}/fstab" }
    - name: proc's short entry compared with its default dump and passno
      mount: { path: /proc, src: proc, fstype: proc, state: present, fstab: "${out}/fstab" }
      register: proc
    - name: removed from the file only
      mount: { path: /srv/data, state: absent_from_fstab, fstab: "${out}/fstab" }
      register: dropped
    - name: absent when it is not there
      mount: { path: /srv/none, state: absent, fstab: "${out}/fstab" }
      register: not_there
    - name: a missing src is refused
      mount: { path: /srv/x, fstype: xfs, state: present, fstab: "${out}/fstab" }
      ignore_errors: true
    - copy:
        dest: "${out}/results"
        content: "{{ [added.changed, same.changed, rewritten.changed, swap1.changed, proc.changed, dropped.changed, not_there.changed] }}\\n"
`;

describe("mount (ansible.posix.mount)", { timeout: 240_000 }, () => {
  it("keeps the fstab as ansible-playbook does", async () => {
    const kplay = await sameAsAnsible({ main: MOUNTS });
    expect(kplay.files.results).toBe("644 [true, false, true, false, true, true, false]");
  });
});
