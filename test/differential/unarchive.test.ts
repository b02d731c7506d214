// unarchive as Ansible 2.14's: the archive's kind found by content (a gzip tar and a zip under
// names that do not say so), every handler's name, list_files, include/exclude, extra_opts,
// a symbolic mode applied to every member (and idempotent), Ansible's failures (an empty file,
// a file that is no archive, a missing source, a dest that is no directory), check mode (a zip
// compared, a tar skipped) and creates. The unpacked trees are compared by their listing with
// modes, made by the same command on both engines. (A zip unpacked over a tar's files is left
// out: Ansible compares zip timestamps at their 2-second resolution, so its answer there depends
// on the second the tar was made in.)
import { describe, expect, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

const UNARCHIVE = (out: string) => `
- hosts: h1
  gather_facts: false
  vars:
    a: ${out}/../archives
  tasks:
    - file: { path: "{{ a }}", state: directory }
    - name: archives of one tree, each kind, two under names that do not say their kind
      shell: |
        set -e
        mkdir -p t/sub
        printf 'a\\n' > t/a.txt; printf 'b\\n' > t/sub/b.txt; printf '#!/bin/sh\\n' > t/run.sh
        chmod 0600 t/sub/b.txt; chmod 0755 t/run.sh
        tar czf a.tgz t; tar cf a.tar t; tar cjf a.tar.bz2 t; tar cJf a.tar.xz t; tar czf gz.bin t
        python3 -m zipfile -c a.zip t; cp a.zip zip.dat
        : > empty.tgz; echo text > text.tgz
      args: { chdir: "{{ a }}" }
    - file: { path: "${out}/x-{{ item }}", state: directory }
      loop: [tgz, tar, bz2, xz, gzbin, zip, zipdat, inc, exc, mode, strip, sent, own, ownzip]
    - unarchive: { src: "{{ a }}/{{ item.s }}", dest: "${out}/x-{{ item.d }}", remote_src: true, list_files: true }
      loop:
        - { s: a.tgz, d: tgz }
        - { s: a.tar, d: tar }
        - { s: a.tar.bz2, d: bz2 }
        - { s: a.tar.xz, d: xz }
        - { s: gz.bin, d: gzbin }
        - { s: a.zip, d: zip }
        - { s: zip.dat, d: zipdat }
      register: unpacked
    - unarchive: { src: "{{ a }}/a.tgz", dest: "${out}/x-tgz", remote_src: true }
      register: again
    - unarchive: { src: "{{ a }}/a.zip", dest: "${out}/x-zip", remote_src: true }
      register: zip_again
    - unarchive: { src: "{{ a }}/a.tgz", dest: "${out}/x-inc", remote_src: true, include: [t/a.txt] }
    - unarchive: { src: "{{ a }}/a.zip", dest: "${out}/x-exc", remote_src: true, exclude: ["t/sub/*", "*.sh"] }
    - unarchive: { src: "{{ a }}/a.tgz", dest: "${out}/x-strip", remote_src: true, extra_opts: [--strip-components=1] }
    - unarchive: { src: "{{ a }}/a.tgz", dest: "${out}/x-mode", remote_src: true, mode: "u=rwX,g=rX,o=" }
      register: moded
    - unarchive: { src: "{{ a }}/a.tgz", dest: "${out}/x-mode", remote_src: true, mode: "u=rwX,g=rX,o=" }
      register: moded_again
    - unarchive: { src: "{{ a }}/a.tgz", dest: "${out}/x-own", remote_src: true, owner: nobody, group: nogroup }
      register: owned
    - unarchive: { src: "{{ a }}/a.zip", dest: "${out}/x-ownzip", remote_src: true, owner: nobody, group: nogroup }
    - unarchive: { src: "{{ a }}/a.zip", dest: "${out}/x-ownzip", remote_src: true, owner: nobody, group: nogroup }
      register: owned_zip
    - unarchive: { src: "{{ a }}/a.tar.xz", dest: "${out}/x-sent" }
      register: sent
    - unarchive: { src: "{{ a }}/{{ item }}", dest: "${out}/x-tgz", remote_src: true }
      loop: [empty.tgz, text.tgz, missing.tgz]
      register: bad
      ignore_errors: true
    - unarchive: { src: "{{ a }}/a.tgz", dest: "${out}/nodir", remote_src: true }
      register: nodir
      ignore_errors: true
    - unarchive: { src: "{{ a }}/a.zip", dest: "${out}/x-inc", remote_src: true }
      check_mode: true
      register: zip_check
    - unarchive: { src: "{{ a }}/a.tgz", dest: "${out}/x-inc", remote_src: true }
      check_mode: true
      register: tar_check
    - unarchive: { src: "{{ a }}/a.tgz", dest: "${out}/x-tgz", remote_src: true, creates: "${out}/x-tgz/t" }
      register: created
    - shell: find x-* | sort | xargs stat -c '%a %U:%G %n' > tree
      args: { chdir: "${out}" }
    - copy:
        dest: "${out}/results"
        content: |
          {% for r in unpacked.results %}{{ r.item.s }} {{ r.changed }} {{ r.handler }} {{ r.files | sort | join(',') }}
          {% endfor %}
          again {{ again.changed }} {{ zip_again.changed }}
          mode {{ moded.changed }} {{ moded_again.changed }}
          owned {{ owned.changed }} {{ owned_zip.changed }} {{ owned.owner }}
          sent {{ sent.changed }} {{ sent.handler }}
          {% for r in bad.results %}{{ r.item }} {{ r.failed }} {{ (r.msg | replace(a, 'A'))[:48] }}
          {% endfor %}
          nodir {{ nodir.msg | replace('${out}', 'OUT') }}
          zip_check {{ zip_check.changed }} {{ zip_check.skipped | default(false) }}
          tar_check {{ tar_check.changed }} {{ tar_check.skipped | default(false) }} {{ tar_check.msg | default('') }}
          created {{ created.skipped | default(false) }} {{ created.msg | default('') | replace('${out}', 'OUT') }}
`;

describe("unarchive", { timeout: 240_000 }, () => {
  it("kinds by content, members, modes, failures and check mode, as ansible-playbook", async () => {
    const kplay = await sameAsAnsible({ main: UNARCHIVE });
    expect(kplay.files.results).toContain("gz.bin True TgzArchive t/,t/a.txt,t/run.sh,t/sub/,t/sub/b.txt");
    expect(kplay.files.results).toContain("zip.dat True ZipArchive");
    expect(kplay.files.results).toContain("mode True False");
    expect(kplay.files.tree).toContain("750 root:root x-mode/t/run.sh");
    expect(kplay.files.tree).toContain("600 nobody:nogroup x-ownzip/t/sub/b.txt");
  });
});
