// Differential: engine semantics that the issue on Ansible compatibility found wrong, run by
// ansible-playbook 2.14 and by kplay on the same playbook (local connection, each engine writing
// into its own directory). Compared: the files the plays leave (what ran, with what values and
// modes) and the recap counts, never the engines' wording.
import { describe, expect, it } from "vitest";
import { runBoth as bothEngines, sameAsAnsible as sameAs, type DiffPlay } from "../harness/differential.js";

const PLAYBOOK = (out: string) => `
- hosts: all
  gather_facts: true
  vars: { ansible_distribution: from-play }
  tasks:
    - name: play vars win over facts
      copy: { dest: "${out}/{{ inventory_hostname }}-dist", content: "{{ ansible_distribution }}" }
    - name: notify a topic two handlers listen to
      command: /bin/true
      notify: topic
    - name: an undefined variable is an error ignore_errors catches
      copy: { dest: "${out}/{{ nope }}", content: "x" }
      ignore_errors: true
    - name: after the ignored failure
      copy: { dest: "${out}/{{ inventory_hostname }}-after-ignore", content: "x" }
  handlers:
    - name: handler a
      copy: { dest: "${out}/{{ inventory_hostname }}-handler-a", content: "a" }
      listen: topic
    - name: handler b
      copy: { dest: "${out}/{{ inventory_hostname }}-handler-b", content: "b" }
      listen: topic
- hosts: all
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - import_tasks: imported.yml
    - name: after the import
      copy: { dest: "${out}/{{ inventory_hostname }}-after-import", content: "x" }
`;

const IMPORTED = (out: string) => `
- name: fails on h1 only
  command: /bin/false
  when: inventory_hostname == 'h1'
- name: next imported task (any_errors_fatal stops it)
  copy: { dest: "${out}/{{ inventory_hostname }}-next-imported", content: "x" }
`;

/** Arguments as Ansible users write them: YAML 1.1 booleans, key=value with templates, options in a command. */
const ARGS_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  vars: { p: "${out}/touched file", marker: "${out}/marker" }
  tasks:
    - copy: { dest: "${out}/backup-yes", content: "a\\\\n", backup: yes, force: On }
    - file: path={{ p }} state=touch mode=0600
    - lineinfile: path=${out}/kv.conf line="a = {{ 'b c' }}" create=yes
    - command: touch {{ marker }} creates={{ marker }}
    - command: creates={{ marker }} touch ${out}/should-not-exist
    - shell: echo "{{ 'x y' }}" > ${out}/shell-out chdir=${out}
`;

/** Jinja expressions as Ansible users write them: operators, methods, tests, filters, literals, printing. */
const EXPR_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  vars:
    n: 3
    name: kube-node-1
    csv: "a, b ,c"
    ver: "1.28.4"
    none_var: ~
    d: { a: 1, b: 2 }
    users: [{ name: alice, admin: true }, { name: bob, admin: false }]
  tasks:
    - copy:
        dest: "${out}/expressions"
        content: |
          {{ 1 + 2 * 3 }} {{ 7 // 2 }} {{ 7 % 3 }} {{ 2 ** 10 }} {{ 7 / 2 }} {{ -n + 1 }}
          {{ 'a' ~ 1 ~ true }} {{ 'x' if n > 2 else 'y' }} {{ 'x' if n > 5 else 'y' }}
          {{ name.startswith('kube') }} {{ name.split('-') }} {{ name.upper() }} {{ 'a b  c'.split() }} {{ '  x '.strip() }}
          {{ csv.split(',') | map('trim') | list }} {{ d | dict2items | map(attribute='key') | join(',') }}
          {{ [3, 1, 2] | sort }} {{ [1, 2, 2, 3] | unique | sum }} {{ [3, 1] | max }} {{ [3, 1] | min }}
          {{ ver is version('1.28.0', '>=') }} {{ ver is version('1.29', '<') }} {{ ver is version('1.28.4', 'eq') }}
          {{ name is match('kube') }} {{ name is search('node') }} {{ name is regex('^k.*1$') }} {{ name is match('node') }}
          {{ name | regex_replace('-(\\d+)$', '_\\1') }} {{ name | regex_search('n[a-z]+') }} {{ 'a1b22' | regex_findall('\\d+') }}
          {{ {'a': 1, 'b': [1, 2]} | to_json }} {{ [1, 'a'] | to_json }}
          {{ {'b': 2} | combine({'c': 3}) | to_nice_json }}
          {{ users | selectattr('admin') | map(attribute='name') | join(',') }} {{ users | rejectattr('admin') | map(attribute='name') | first }}
          {{ [1, 2, 3] | select('odd') | list }} {{ [1, 2, 3] | reject('odd') | list }} {{ (1, 2) | length }}
          {{ none_var is none }} {{ missing | default('dflt') }} {{ '' | default('empty', true) }} {{ 0 | default(5) }}
          {{ [1, 2, 3][1:] }} {{ name[0] }} {{ name[-1] }} {{ 'node' in name }} {{ 'zz' not in name }}
          {{ {'k': 'v'}.get('k') }} {{ {'k': 'v'}.get('z', 'none') }} {{ 3 is divisibleby 3 }} {{ 4 is odd }}
          {{ [1, 2] | union([2, 3]) }} {{ [1, 2] | difference([2]) }} {{ [1, 2] | intersect([2, 5]) }}
          {{ 'abc' | b64encode }} {{ '/etc/kplay/x.conf' | basename }} {{ '/etc/kplay/x.conf' | dirname }}
          {{ 42 | string }} {{ '42' | int + 1 }} {{ true }} {{ none_var }} {{ [1, 'a'] }} {{ {'a': 'b'} }}
          {{ 'Hello World' | lower | replace('world', 'there') }} {{ name | hash('md5') }} {{ d['a'] + d.b }}
          {{ [1, [2, [3]]] | flatten }} {{ [1, [2, [3]]] | flatten(levels=1) }} {{ users | map(attribute='name') | sort(reverse=true) }}
          {{ 'abc' | length }} {{ d | length }} {{ 'x' * 3 }} {{ [0] * 2 }} {{ n is number }} {{ name is string }}
    - name: a method call in when
      copy: { dest: "${out}/when-method", content: "ran" }
      when: name.endswith('-1') and n is not divisibleby 2
    - name: a false condition with a test and arithmetic
      copy: { dest: "${out}/when-false", content: "ran" }
      when: (n * 2) is divisibleby 4 or name is match('node')
`;

/**
 * Tag selection as Ansible's tags target checks it: never, always, tagged/untagged, a tag made by a
 * template from play vars (given here as a list of mappings), on the implicit localhost (the
 * inventory does not define it: Ansible runs the play on the controller).
 */
const TAGS_PLAYBOOK = (out: string) => `
- hosts: localhost
  gather_facts: no
  vars:
    - the_tags: [t3, t4]
    - base: "${out}"
  tasks:
    - { name: tagged, copy: { dest: "{{ base }}/tag", content: x }, tags: tag }
    - { name: always, copy: { dest: "{{ base }}/always", content: x }, tags: always }
    - { name: untagged, copy: { dest: "{{ base }}/untagged", content: x } }
    - { name: never, copy: { dest: "{{ base }}/never", content: x }, tags: [never, donever] }
    - { name: csv, copy: { dest: "{{ base }}/csv", content: x }, tags: "tag1,tag2" }
    - { name: templated, copy: { dest: "{{ base }}/templated", content: x }, tags: "{{ the_tags }}" }
`;

/** check_mode and ignore_errors as play keywords; debug showing ansible_facts sets no variable. */
const PLAY_KEYWORDS_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  check_mode: true
  tasks:
    - copy: { dest: "${out}/play-check", content: x }
    - copy: { dest: "${out}/task-overrides", content: x }
      check_mode: false
- hosts: h1
  gather_facts: no
  ignore_errors: yes
  tasks:
    - command: /bin/false
    - set_fact: { ansible_facts: { nonfact: 1 } }
    - debug: var=ansible_facts
    - copy: { dest: "${out}/nonfact", content: "{{ nonfact is defined }}" }
`;

/** Why slurp and fetch could not read a file, in Ansible's words (missing, a directory, a file as a directory). */
const UNREADABLE_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  ignore_errors: true
  tasks:
    - { slurp: { src: "${out}/missing" }, register: s_missing }
    - file: { path: "${out}/dir", state: directory }
    - { slurp: { src: "${out}/dir" }, register: s_dir }
    - copy: { dest: "${out}/f", content: x }
    - { slurp: { src: "${out}/f/below" }, register: s_notdir }
    - { fetch: { src: "${out}/missing", dest: "${out}/fetched/", fail_on_missing: false }, register: f_missing }
    - { fetch: { src: "${out}/missing", dest: "${out}/fetched/" }, register: f_fail }
    - { fetch: { src: "${out}/dir", dest: "${out}/fetched/", fail_on_missing: no }, register: f_dir }
    - copy:
        dest: "${out}/messages"
        content: |
          {% for r in [s_missing, s_dir, s_notdir, f_missing, f_fail, f_dir] %}
          {{ r.msg | replace('${out}', 'OUT') }} {{ r is failed }} {{ r is skipped }} {{ r is changed }}
          {% endfor %}
`;

/** What the user module returns (copy's target reads `user.home`). */
const USER_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  tasks:
    - user: { name: kplay-diff-usr, home: "${out}/home", shell: /bin/sh, comment: "Diff user" }
      register: made
    - user: { name: kplay-diff-usr }
      register: again
    - user: { name: kplay-diff-usr, state: absent, remove: true }
      register: gone
    - copy:
        dest: "${out}/results"
        content: |
          {{ made.home | replace('${out}', 'OUT') }} {{ made.shell }} {{ made.comment }} {{ made.uid is number }}
          {{ made.group is number }} {{ again.home | replace('${out}', 'OUT') }} {{ again is changed }}
          {{ gone.force }} {{ gone.remove }} {{ gone is changed }} {{ gone.home is defined }}
`;

/**
 * The user module's account ageing and locking as Ansible's user target tests them: expires (a
 * date, kept across a re-run, then never), password_lock with a password and without, min/max
 * password age, update_password on_create/always, umask and skeleton for the new home, move_home;
 * getent reads /etc/shadow back.
 */
const USER_OPTIONS_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  vars:
    u: kplay-diff-u2
    h1: "$6$rounds=5000$abcdefgh$hash1hash1hash1"
    h2: "$6$rounds=5000$abcdefgh$hash2hash2hash2"
  tasks:
    - file: { path: "${out}-skel", state: directory }
    - copy: { dest: "${out}-skel/.profile-kplay", content: "skel\\n" }
    - { user: { name: "{{ u }}", home: "${out}-home", expires: 2529881062, password: "{{ h1 }}", password_lock: yes, password_expire_min: 3, password_expire_max: 90, umask: "0077", skeleton: "${out}-skel" }, register: c1 }
    - { user: { name: "{{ u }}", expires: 2529881062, password: "{{ h1 }}", password_lock: yes, password_expire_min: 3, password_expire_max: 90 }, register: c2 }
    - { getent: { database: shadow, key: "{{ u }}" } }
    - { set_fact: { shadow1: "{{ getent_shadow[u] }}" } }
    - { user: { name: "{{ u }}", expires: -1, password_lock: no, password_expire_max: 60 }, register: c3 }
    - { user: { name: "{{ u }}", expires: -1, password_lock: no }, register: c4 }
    - { user: { name: "{{ u }}", password: "{{ h2 }}", update_password: on_create }, register: c5 }
    - { user: { name: "{{ u }}", password: "{{ h2 }}" }, register: c6 }
    - { user: { name: "{{ u }}", password_lock: yes }, register: c7 }
    - { getent: { database: shadow, key: "{{ u }}" } }
    - { getent: { database: passwd, key: "{{ u }}" } }
    - { set_fact: { shadow2: "{{ getent_shadow[u] }}", pw: "{{ getent_passwd[u] }}" } }
    - { user: { name: "{{ u }}", home: "${out}-home2", move_home: yes }, register: c8 }
    - { stat: { path: "${out}-home2/.profile-kplay" }, register: moved }
    - { stat: { path: "${out}-home" }, register: oldhome }
    - { user: { name: "{{ u }}", state: absent, remove: yes } }
    - { getent: { database: passwd, key: nosuchuser-kplay, fail_key: no }, register: g2 }
    - { getent: { database: passwd, key: nosuchuser-kplay }, register: g3, ignore_errors: true }
    - copy:
        dest: "${out}/results"
        content: |
          {{ [c1, c2, c3, c4, c5, c6, c7, c8] | map(attribute='changed') | list }}
          {{ shadow1[0][:1] }} {{ shadow1[2] }} {{ shadow1[3] }} {{ shadow1[6] }}
          {{ shadow2[0][:1] }} {{ shadow2[0] == '!' ~ h2 }} {{ shadow2[3] }} {{ shadow2[6] }}
          {{ pw[4] | replace('${out}', 'OUT') }} {{ moved.stat.exists }} {{ moved.stat.mode }} {{ oldhome.stat.exists }}
          {{ g2.ansible_facts }} {{ g2.msg }} {{ g3.msg }}
`;

/**
 * The user module's fallbacks and warnings as Ansible's user target tests them: an account made
 * with create_home: no gets its home on the next run (skeleton, UMASK of login.defs, owned by
 * it); a password that is not a crypt hash and `append` without `groups` warn; a key made with
 * ssh_key_passphrase opens with it and not without. getent's facts are under ansible_facts too.
 */
const USER_FALLBACK_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  vars: { u: kplay-diff-u3 }
  tasks:
    - { user: { name: "{{ u }}", create_home: no, home: "${out}-h3" }, register: f1 }
    - { stat: { path: "${out}-h3" }, register: s1 }
    - { user: { name: "{{ u }}" }, register: f2 }
    - { stat: { path: "${out}-h3" }, register: s2 }
    - { user: { name: "{{ u }}" }, register: f3 }
    - { user: { name: "{{ u }}", password: "plain text", update_password: on_create }, register: w1 }
    - { user: { name: "{{ u }}", password: "$6$salt$short", update_password: on_create }, register: w2 }
    - { user: { name: "{{ u }}", append: yes }, register: w3 }
    - { getent: { database: passwd, key: "{{ u }}" } }
    - user: { name: "{{ u }}", generate_ssh_key: yes, ssh_key_type: ed25519, ssh_key_file: "${out}-key", ssh_key_passphrase: "pass phrase" }
      register: k
    - { command: "ssh-keygen -y -f ${out}-key -P 'pass phrase'", register: opened }
    - { command: "ssh-keygen -y -f ${out}-key -P ''", register: bare, ignore_errors: true }
    - { user: { name: "{{ u }}", state: absent, remove: yes } }
    - copy:
        dest: "${out}/results"
        content: |
          {{ [f1, f2, f3, k] | map(attribute='changed') | list }} {{ s1.stat.exists }} {{ s2.stat.isdir }}
          {{ s2.stat.mode }} {{ s2.stat.pw_name }} {{ w1.warnings | default([]) | length }}
          {{ w2.warnings | default([]) | length }} {{ w3.warnings | default([]) | length }} {{ w1.warnings | first }}
          {{ ansible_facts.getent_passwd[u][4] | replace('${out}', 'OUT') }} {{ opened.rc }} {{ bare is failed }}
          {{ k.ssh_public_key.split()[0] }}
`;

/**
 * What Ansible's templar makes of a rendered string: text that reads as a Python literal list,
 * dict or bool becomes one (JSON's true/false/null too; lookup('template') unless convert_data is
 * false), other text stays text; and string literals inside the {{ }} of a playbook value keep
 * their backslashes (its templar doubles them), while conditions and template files unescape.
 */
const CONVERT_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  vars:
    a: 1
    listy: "[{{ a }}, 2, 'x']"
    dicty: "{'k': {{ a }}, 'n': None}"
    jsony: '{"on": true, "off": false, "none": null, "n": {{ a }}}'
    booly: "{{ 'Tr' }}ue"
    spaced: " [1, 2]"
    broken: "[1, 2"
    textual: "[WARN] {{ a }}"
    concat: "{{ a }}{{ a }}"
    raw_list: "[1, 2]"
    via_var: "{{ raw_list }}"
    stmt: "{% if a %}[{{ a }}]{% endif %}"
    converted: "{{ lookup('template', 'json.j2') }}"
    kept: "{{ lookup('template', 'json.j2', convert_data=False) }}"
    nice: "{{ {'a': 1} | to_nice_json(indent=2) }}\\n"
    nl_dict: "{{ {'a': 1} }}\\n"
    json_joined: "{{ {'a': 1} | to_json }} "
  tasks:
    - copy:
        dest: "${out}/results"
        content: |
          {% for n in ['listy', 'dicty', 'jsony', 'booly', 'spaced', 'broken', 'textual', 'concat', 'via_var', 'stmt', 'converted', 'kept', 'nice', 'nl_dict', 'json_joined'] %}
          {{ n }} {{ lookup('vars', n) is mapping }} {{ lookup('vars', n) is string }} {{ lookup('vars', n) is boolean }} {{ lookup('vars', n) | to_json }}
          {% endfor %}
          {{ kept | type_debug }} {{ nice | type_debug }} {{ converted | type_debug }}
    - copy:
        dest: "${out}/backslashes"
        content: "{{ 'abc_name' | regex_replace('^(.*)_name$', '\\\\1') }}|{{ 'a\\tb' }}|{{ 'x' ~ '\\n' ~ 'y' }}|{{ ('1\\n2') | length }}|{{ 'a.b' | regex_replace('\\\\.', '-') }}\\n"
    - copy:
        dest: "${out}/single-quoted"
        content: '{{ "c\\d" }}|{{ "e\\\\f" | length }}|{{ "tab\\there" }}'
      when: "'\\\\x41' == 'A'"
`;

/**
 * A module named by a template (action: "{{ ansible_facts.pkg_mgr }}", roles' idiom for several
 * distributions): in the string form with key=value, the mapping form, with args:, as a
 * local_action; an unknown one fails when the task runs, and ignore_errors catches it.
 */
const TEMPLATED_ACTION_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: yes
  vars: { f: file, c: copy }
  tasks:
    - action: "{{ f }} path=${out}/kv state=touch mode=0600"
    - action:
        module: "{{ c }}"
        dest: "${out}/mapping"
        content: "m\\n"
      register: copied
    - action: "{{ c }}"
      args: { dest: "${out}/args", content: "{{ copied.changed }}" }
    - local_action: "{{ f }} path=${out}/local state=directory mode=0750"
    - name: the package manager of the node, as roles name it
      action: "{{ ansible_facts.pkg_mgr }}"
      args: { name: kplay-no-such-package, state: absent }
      register: pkg
    - action: "{{ 'no_such_module' }}"
      ignore_errors: true
      register: unknown
    - copy:
        dest: "${out}/results"
        content: "{{ pkg is changed }} {{ unknown is failed }} {{ unknown.msg }}\\n"
`;

/**
 * The user module's local mode as Ansible's user target tests it: libuser's tools on /etc files;
 * a warning when /etc/passwd lacks the account; groups set and appended by lgroupmod, a primary
 * group, expiry by lchage; a group named like the user is left alone; umask with local refused.
 */
const USER_LOCAL_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  vars: { u: kplay-diff-lu }
  tasks:
    - { user: { name: "{{ u }}", state: absent, remove: yes } }
    - group: { name: "{{ item }}", state: absent }
      loop: [kplay-diff-g1, kplay-diff-g2, kplay-diff-g3, kplay-diff-g4, kplay-diff-g5, "{{ u }}"]
    - { user: { name: root, local: yes }, register: existing }
    - { user: { name: "{{ u }}", state: present, local: yes }, register: l1 }
    - { user: { name: "{{ u }}", state: present, local: yes }, register: l2 }
    - { user: { name: "{{ u }}", state: absent, remove: yes, local: yes }, register: r1 }
    - { user: { name: "{{ u }}", state: absent, remove: yes, local: yes }, register: r2 }
    - group: { name: "{{ item }}" }
      loop: [kplay-diff-g1, kplay-diff-g2, kplay-diff-g3, kplay-diff-g4, kplay-diff-g5, "{{ u }}"]
    - { user: { name: "{{ u }}", local: yes, groups: [kplay-diff-g1, kplay-diff-g2] }, register: l3 }
    - { user: { name: "{{ u }}", local: yes, groups: [kplay-diff-g3, kplay-diff-g4], append: yes }, register: l4 }
    - { user: { name: "{{ u }}", local: yes, group: kplay-diff-g5, expires: 2529881062 }, register: l6 }
    - { user: { name: "{{ u }}", local: yes, expires: 2529881062 }, register: l7 }
    - { command: "id -Gn {{ u }}", register: ids }
    - { getent: { database: shadow, key: "{{ u }}" } }
    - { user: { name: "{{ u }}", local: yes, umask: "077" }, register: both, ignore_errors: true }
    - { user: { name: "{{ u }}", state: absent, remove: yes, local: yes } }
    - group: { name: "{{ item }}", state: absent }
      loop: [kplay-diff-g1, kplay-diff-g2, kplay-diff-g3, kplay-diff-g4, kplay-diff-g5, "{{ u }}"]
    - copy:
        dest: "${out}/results"
        content: |
          {{ [l1, l2, r1, r2, l3, l4, l6, l7] | map(attribute='changed') | list }} {{ existing.warnings is defined }}
          {{ l1.warnings | first }}
          {{ ids.stdout.split() | sort }} {{ getent_shadow[u][6] }} {{ both is failed }} {{ both.msg }}
`;

/** find as Ansible's: names (glob, regex, excludes), types, hidden, depth, age, size, contents, checksums. */
const FIND_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  vars:
    t: "${out}-tree"
  tasks:
    - shell: |
        mkdir -p "{{ t }}/sub/deeper" "{{ t }}/.hid" "{{ t }}/dir.log"
        printf 'alpha\\nbeta 42\\n' > "{{ t }}/a.log"
        printf 'gamma\\n' > "{{ t }}/b.txt"
        head -c 3000 /dev/zero > "{{ t }}/big.bin"
        printf 'x' > "{{ t }}/.hidden.log"
        printf 'beta\\n' > "{{ t }}/sub/c.log"
        printf 'deep\\n' > "{{ t }}/sub/deeper/d.log"
        printf 'in hidden dir\\n' > "{{ t }}/.hid/e.log"
        ln -s a.log "{{ t }}/link.log"
        touch -d '2001-01-01 00:00:00' "{{ t }}/b.txt"
        chmod 4751 "{{ t }}/b.txt"
    - { find: { paths: "{{ t }}" }, register: f1 }
    - { find: { paths: "{{ t }}", patterns: "*.log", recurse: yes }, register: f2 }
    - { find: { paths: "{{ t }}", patterns: ['^[ab]\\..*$'], use_regex: yes, excludes: ['b.*'] }, register: f3 }
    - { find: { paths: "{{ t }}", file_type: directory, recurse: yes, hidden: yes }, register: f4 }
    - { find: { paths: "{{ t }}", file_type: link }, register: f5 }
    - { find: { paths: "{{ t }}", file_type: any, recurse: yes, depth: 1 }, register: f6 }
    - { find: { paths: "{{ t }}", age: 2w }, register: f7 }
    - { find: { paths: "{{ t }}", age: -1d, size: -100 }, register: f8 }
    - { find: { paths: "{{ t }}", size: 1k }, register: f9 }
    - { find: { paths: "{{ t }}", contains: "beta", recurse: yes }, register: f10 }
    - { find: { paths: "{{ t }}", contains: "b.*2", read_whole_file: yes, recurse: yes }, register: f11 }
    - { find: { paths: ["{{ t }}/sub", "{{ t }}/missing"], get_checksum: yes, hidden: yes, recurse: yes }, register: f12 }
    - { find: { path: "{{ t }}", pattern: "b.txt" }, register: f13 }
    - copy:
        dest: "${out}/results"
        content: |
          {% for f in [f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12] %}
          {{ f.files | map(attribute='path') | map('replace', t, 'T') | sort | join(',') }} {{ f.matched }} {{ f.examined }}
          {% endfor %}
          {{ f12.files | map(attribute='checksum') | sort | join(',') }} {{ f12.msg }} {{ f12.skipped_paths | length }}
          {% set b = f13.files[0] %}{{ b.mode }} {{ b.isreg }} {{ b.isuid }} {{ b.xoth }} {{ b.woth }} {{ b.size }} {{ b.pw_name }} {{ b.nlink }} {{ b.mtime | int }}
`;

/** The user module's SSH key: made once (~/.ssh 0700, files owned by the user, a missing key directory made), kept, made again with force. */
const USER_SSH_KEY_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  vars: { u: kplay-diff-u3 }
  tasks:
    - { user: { name: "{{ u }}", home: "${out}-home", generate_ssh_key: yes, ssh_key_type: ed25519, ssh_key_comment: "k c" }, register: k1 }
    - { user: { name: "{{ u }}", generate_ssh_key: yes, ssh_key_type: ed25519 }, register: k2 }
    - { user: { name: "{{ u }}", generate_ssh_key: yes, ssh_key_file: "${out}-home/keys/other", ssh_key_bits: 2048 }, register: k3, ignore_errors: true }
    - { file: { path: "${out}-home/keys", state: directory } }
    - { user: { name: "{{ u }}", generate_ssh_key: yes, ssh_key_file: "${out}-home/keys/other", ssh_key_bits: 2048 }, register: k4 }
    - { user: { name: "{{ u }}", generate_ssh_key: yes, ssh_key_type: ed25519, force: yes }, register: k5 }
    - { stat: { path: "${out}-home/.ssh" }, register: sshdir }
    - { stat: { path: "${out}-home/.ssh/id_ed25519" }, register: key }
    - { user: { name: "{{ u }}", state: absent, remove: yes } }
    - copy:
        dest: "${out}/results"
        content: |
          {{ [k1, k2, k4, k5] | map(attribute='changed') | list }} {{ k3 is failed }}
          {{ k1.ssh_key_file | replace('${out}', 'OUT') }} {{ k1.ssh_public_key.split()[0] }} {{ k1.ssh_public_key.split()[2:] }}
          {{ k1.ssh_fingerprint.split()[-1] }} {{ k1.ssh_public_key == k2.ssh_public_key }} {{ k1.ssh_public_key == k5.ssh_public_key }}
          {{ k4.ssh_public_key.split()[0] }} {{ sshdir.stat.mode }} {{ sshdir.stat.pw_name }} {{ key.stat.mode }} {{ key.stat.pw_name }}
`;

/** any_errors_fatal on a block, on a task, and under a block whose rescue catches the failure. */
const FATAL_PLAYBOOKS: Record<string, (out: string) => string> = {
  block: (out) => `
- hosts: all
  gather_facts: no
  tasks:
    - block:
        - { command: /bin/false, when: inventory_hostname == 'h1' }
        - copy: { dest: "${out}/{{ inventory_hostname }}-in-block", content: x }
      any_errors_fatal: true
    - copy: { dest: "${out}/{{ inventory_hostname }}-after", content: x }
- hosts: all
  gather_facts: no
  tasks:
    - copy: { dest: "${out}/{{ inventory_hostname }}-next-play", content: x }
`,
  task: (out) => `
- hosts: all
  gather_facts: no
  tasks:
    - { command: /bin/false, when: inventory_hostname == 'h2', any_errors_fatal: yes }
    - copy: { dest: "${out}/{{ inventory_hostname }}-after", content: x }
`,
  rescued: (out) => `
- hosts: all
  gather_facts: no
  any_errors_fatal: false
  tasks:
    - block:
        - { command: /bin/false, when: inventory_hostname == 'h1' }
      rescue:
        - copy: { dest: "${out}/{{ inventory_hostname }}-rescued", content: x }
      any_errors_fatal: true
    - copy: { dest: "${out}/{{ inventory_hostname }}-after", content: x }
    - { command: /bin/false, when: inventory_hostname == 'h1', any_errors_fatal: false }
    - copy: { dest: "${out}/{{ inventory_hostname }}-after-plain-failure", content: x }
`,
};

/** Path arguments: $VAR and a leading ~ expanded where the module runs, a name not set left as written. */
const PATH_VARS_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  environment: { DIFF_OUT: "${out}" }
  tasks:
    - copy: { dest: "$DIFF_OUT/from-var", content: x }
    - file: { path: "\${DIFF_OUT}/dir", state: directory }
    - copy: { src: "$DIFF_OUT/from-var", dest: "${out}/dir/remote-copied", remote_src: true }
    - command: touch made chdir=$DIFF_OUT/dir creates=$DIFF_OUT/dir/made
    - command: touch again chdir=$DIFF_OUT/dir creates=$DIFF_OUT/dir/made
    - stat: { path: "~/" }
      register: home
    - copy: { dest: "${out}/$NOT_SET_IN_ENV", content: x }
    - copy:
        dest: "${out}/home"
        content: "{{ home.stat.path == lookup('env', 'HOME') ~ '/' }} {{ home.stat.isdir }}"
`;

/** The file module's result and diff: path info, state, mode, link target, times, a removed tree's contents. */
const FILE_DIFF_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  tasks:
    - { file: { path: "${out}/t", state: touch, mode: "0600" }, register: touched }
    - { file: { path: "${out}/t", mode: "0640" }, register: moded }
    - { file: { path: "${out}/t" }, register: same }
    - { file: { path: "${out}/l", src: "${out}/t", state: link }, register: linked }
    - { file: { path: "${out}/l", src: t, state: link }, register: relinked }
    - { file: { path: "${out}/t", modification_time: "202202081414.00" }, register: timed }
    - { file: { path: "${out}/t", modification_time: "202202081414.00" }, register: timed_again }
    - file: { path: "${out}/tree/a/b", state: directory }
    - copy: { dest: "${out}/tree/a/f", content: x }
    - { file: { path: "${out}/tree", state: absent }, register: removed }
    - { file: { path: "${out}/d", state: directory, mode: "0700" }, register: made_dir }
    - copy: { dest: "${out}/bin", content: "a\\u0000b" }
    - { file: { path: "${out}/bin", _diff_peek: yes }, register: peek_bin }
    - { file: { path: "${out}/t", _diff_peek: yes }, register: peek_text }
    - copy:
        dest: "${out}/results"
        content: |
          {% for r in [touched, moded, same, linked, relinked, timed, timed_again, removed, made_dir] %}
          {{ r.diff.before.keys() | list | sort }} {{ r.diff.after.keys() | list | sort }} {{ r.diff.before.state | d('-') }}>{{ r.diff.after.state | d('-') }} {{ r.diff.before.mode | d('-') }}>{{ r.diff.after.mode | d('-') }} {{ r.state }} {{ r.mode | d('-') }} {{ r.changed }}
          {% endfor %}
          {{ relinked.diff.before.src | replace('${out}', 'OUT') }}>{{ relinked.diff.after.src }}
          {{ removed.diff.before.path_content.directories | map('replace', '${out}', 'OUT') | sort }}
          {{ removed.diff.before.path_content.files | map('replace', '${out}', 'OUT') | sort }}
          {{ moded.uid is number }} {{ moded.gid is number }} {{ moded.owner }} {{ moded.size }} {{ linked.state }}
          {{ peek_bin.appears_binary }} {{ peek_text.appears_binary }} {{ peek_bin.warnings is defined }}
`;

/** file without state, links Ansible refuses, follow, recurse with a mode, argument errors in the module's words. */
const FILE_STATES_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  ignore_errors: true
  tasks:
    - file: { path: "${out}/d/sub", state: directory }
    - copy: { dest: "${out}/d/sub/f", content: x, mode: "0644" }
    - { file: { path: "${out}/d", mode: "0750" }, register: no_state_dir }
    - { file: { path: "${out}/d", mode: "0750" }, register: no_state_again }
    - { file: { path: "${out}/d", mode: "u=rwX,g=rX,o=", recurse: true }, register: rec }
    - { file: { path: "${out}/d", mode: "u=rwX,g=rX,o=", recurse: true }, register: rec_again }
    - { file: { path: "${out}/nothing" }, register: absent_file }
    - { file: { path: "${out}/l1", src: missing-target, state: link }, register: link_missing }
    - { file: { path: "${out}/l2", src: missing-target, state: link, force: true }, register: link_forced }
    - { file: { path: "${out}/d", src: sub, state: link }, register: link_over_dir }
    - { file: { path: "${out}/d/sub/f", src: elsewhere, state: link, force: true }, register: link_over_file }
    - { file: { path: "${out}/d/sub/f", src: ../../x, state: link }, register: link_over_file_no_force }
    - { file: { path: "${out}/l2", state: link }, register: link_no_src }
    - { file: { path: "${out}/l3", state: link }, register: link_new_no_src }
    - { file: { path: "${out}/h", src: "${out}/none", state: hard }, register: hard_missing }
    - { file: { state: hard }, register: no_path, ignore_errors: true }
    - { file: { path: "${out}/x", src: "${out}/d", state: directory }, register: src_with_dir }
    - copy:
        dest: "${out}/results"
        content: |
          {% for r in [no_state_dir, no_state_again, rec, rec_again, absent_file, link_missing, link_forced, link_over_dir,
                       link_over_file, link_over_file_no_force, link_no_src, link_new_no_src, hard_missing, no_path, src_with_dir] %}
          {{ r is failed }} {{ r is changed }} {{ r.state | d('-') }} {{ (r.msg | d('-')) | replace('${out}', 'OUT') }}
          {% endfor %}
    - file: { path: "${out}/{{ item }}", state: absent }
      loop: [l1, l2, l3]
`;

/** module_defaults on a play, a block and a task; the task's own arguments win. */
const MODULE_DEFAULTS_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  module_defaults:
    file: { mode: "0600" }
    ansible.builtin.copy: { content: "from the play's defaults" }
  tasks:
    - file: { path: "${out}/a", state: touch }
    - copy: { dest: "${out}/b" }
    - copy: { dest: "${out}/c", content: own, mode: "0644" }
    - block:
        - file: { path: "${out}/d", state: touch }
      module_defaults:
        file: { mode: "0640" }
    - file:
      module_defaults:
        file: { path: "${out}/{{ 'e' }}", state: touch }
`;

/** copy's refusals, in the words and order of Ansible's copy action. */
const COPY_REFUSALS_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  tasks:
    - { copy: { src: "", dest: "${out}/x" }, register: empty_src, ignore_errors: true }
    - { copy: { content: x }, register: no_dest, ignore_errors: true }
    - { copy: { content: x, src: a, dest: "${out}/x" }, register: both, ignore_errors: true }
    - { copy: { content: x, dest: "${out}/" }, register: dir_dest, ignore_errors: true }
    - copy: { dest: "${out}/m0705", content: x, mode: "0705" }
    - { copy: { src: "${out}/m0705", dest: "${out}/preserved", remote_src: true, mode: preserve }, register: pr }
    - { copy: { src: "${out}/m0705", dest: "${out}/preserved", remote_src: true, mode: preserve }, register: pr2 }
    - { copy: { src: "${out}/m0705", dest: "${out}/nd1/nd2/", remote_src: true }, register: made_remote }
    - { copy: { src: "${out}/m0705", dest: "${out}/nd3/nd4/" }, register: made_local }
    - { copy: { src: "${out}/m0705", dest: "${out}/nd5/file", remote_src: true }, register: no_dir, ignore_errors: true }
    - copy: { dest: "${out}/owned", content: y, owner: nobody, group: nogroup }
    - copy: { dest: "${out}/kept-owner", content: old, owner: nobody }
    - { copy: { src: "${out}/owned", dest: "${out}/owned-copy", remote_src: true }, register: new_owner }
    - { copy: { src: "${out}/owned", dest: "${out}/kept-owner", remote_src: true }, register: kept_owner }
    - { copy: { content: "Ansible managed\\n", dest: "${out}/difffile" }, diff: yes, register: d }
    - file: { path: "${out}/adir", state: directory }
    - { copy: { content: x, dest: "${out}/adir" }, register: dir_dest2, ignore_errors: true }
    - copy:
        dest: "${out}/results"
        content: |
          {{ pr is changed }} {{ pr.mode }} {{ pr2 is changed }} {{ d.diff[0].before == "" }} {{ 'managed' in d.diff[0].after }}
          {{ made_remote.dest | replace('${out}', 'OUT') }} {{ made_local.dest | replace('${out}', 'OUT') }}
          {{ no_dir is failed }} {{ no_dir.msg | replace('${out}', 'OUT') }}
          {{ new_owner.owner }}:{{ new_owner.group }} {{ kept_owner.owner }}:{{ kept_owner.group }}
          {% for r in [empty_src, no_dest, both, dir_dest, dir_dest2] %}
          {{ r is failed }} {{ 'dir refused' if 'can not use content with a dir as dest' in r.msg else r.msg }}
          {% endfor %}
`;

/** Fire and forget: async with poll: 0, then async_status until the job ends, then cleanup. */
const ASYNC_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  tasks:
    - shell: sleep 1; echo out; echo err >&2; touch ${out}/job-ran; exit 3
      async: 20
      poll: 0
      register: job
    - async_status: jid={{ job.ansible_job_id }}
      register: st
      until: st.finished
      retries: 20
      delay: 1
      ignore_errors: true
    - command: echo quick
      async: 10
      poll: 0
      register: quick
    - { async_status: { jid: "{{ quick.ansible_job_id }}" }, register: q, until: q is finished, retries: 20, delay: 1 }
    - { async_status: { jid: "{{ job.ansible_job_id }}", mode: cleanup }, register: cl }
    - { async_status: { jid: "{{ job.ansible_job_id }}" }, register: gone, ignore_errors: true }
    - copy:
        dest: "${out}/results"
        content: |
          {{ job.started }} {{ job.finished }} {{ job is changed }} {{ job.results_file is defined }}
          {{ st.finished }} {{ st.rc }} {{ st.stdout }} {{ st.stderr }} {{ st is failed }} {{ st.msg }} {{ st.cmd is defined }}
          {{ q.stdout }} {{ q.rc }} {{ q is changed }} {{ q.delta is defined }} {{ q.stdout_lines }}
          {{ cl is changed }} {{ cl.erased is defined }} {{ gone is failed }}
`;

/** A controller directory with links in it, copied with local_follow: a loop is copied as a link. */
const COPY_LOOP_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  tasks:
    - file: { path: "{{ playbook_dir }}/loopdir/sub", state: directory }
    - copy: { dest: "{{ playbook_dir }}/loopdir/sub/f", content: x }
    - file: { path: "{{ playbook_dir }}/loopdir/sub/circles", src: ../, state: link }
    - file: { path: "{{ playbook_dir }}/loopdir/dangling", src: nowhere, state: link, force: true }
    - file: { path: "{{ playbook_dir }}/loopdir/to-file", src: sub/f, state: link }
    - copy: { src: loopdir, dest: "${out}/" }
    - file: { path: "${out}/r", state: directory }
    - copy: { src: "{{ playbook_dir }}/loopdir", dest: "${out}/r", remote_src: true }
    - command: find loopdir r -printf '%p %y %l\\n'
      args: { chdir: "${out}" }
      register: listing
    - copy: { dest: "${out}/listing", content: "{{ listing.stdout_lines | sort | join('\\n') }}" }
    - file: { path: "${out}/{{ item }}", state: absent }
      loop: [loopdir, r]
`;

/** include_tasks written as key=value words (file=…), looped as Ansible's copy target does. */
const INCLUDE_KV_PLAYBOOK = () => `
- hosts: h1
  gather_facts: no
  tasks:
    - include_tasks: file=inc.yml
      with_items: [a, b]
    - import_tasks: file=inc2.yml
    - include_role: name=r1 tasks_from=other.yml
`;
/** A vault-encrypted source: kplay has no vault secret, and fails as ansible-playbook without one does. */
const VAULT_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  tasks:
    - { copy: { src: vaulted/secret, dest: "${out}/secret" }, register: one, ignore_errors: true }
    - { copy: { src: vaulted, dest: "${out}/tree" }, register: tree, ignore_errors: true }
    - { copy: { src: vaulted/secret, dest: "${out}/raw", decrypt: false }, register: raw }
    - copy:
        dest: "${out}/results"
        content: |
          {{ one is failed }} {{ one.msg | regex_replace('/tmp/[^ ]*/vaulted', 'DIR') }}
          {{ tree is failed }} {{ tree.msg | regex_replace('/tmp/[^ ]*/vaulted', 'DIR') }} {{ raw is changed }}
`;
const VAULT_FILES = () => ({
  "vaulted/secret": "$ANSIBLE_VAULT;1.1;AES256\n6231\n",
  "vaulted/plain": "plain\n",
});

const INCLUDE_KV_FILES = (out: string) => ({
  "inc.yml": `- copy: { dest: "${out}/inc-{{ item }}", content: "{{ item }}" }\n`,
  "inc2.yml": `- copy: { dest: "${out}/inc2", content: x }\n`,
  "roles/r1/tasks/other.yml": `- copy: { dest: "${out}/role-other", content: x }\n`,
});

/** A .j2 template as Ansible users write them: statements, loops, whitespace control, printing. */
const J2 = `# {{ ansible_managed }}
{# a comment, gone #}
{% set greeting = 'hello' ~ ' ' ~ name %}
{{ greeting }}
{% if n > 5 %}
big
{% elif n > 2 %}
middle {{ n }}
{% else %}
small
{% endif %}
{% for u in users %}
{{ loop.index }}/{{ loop.length }} {{ u.name }}{% if u.admin %} (admin){% endif %}{{ ',' if not loop.last }}
{% endfor %}
{% for u in users if not u.admin %}
user {{ u.name }} first={{ loop.first }}
{% endfor %}
{% for x in [] %}
never
{% else %}
empty list
{% endfor %}
{% for k, v in d.items() %}
  {{ k }}={{ v }}
{% endfor %}
{% for k in d | sort %}{{ k }}{% endfor %}

{%- if true %}
stripped-left{% endif -%}
   next
    {% if true %}indented tag{% endif %}
{% raw %}{{ not rendered }} {% if %}{% endraw %}
none=[{{ none_var }}] bool={{ n > 1 }} list={{ [1, 'a'] }} dict={{ {'k': 'v'} }}
{% for i in range(3) %}{{ i }}{{ '-' if not loop.last }}{% endfor %}
{% for a in [1, 2] %}{% for b in ['x', 'y'] %}{{ a }}{{ b }}({{ loop.index0 }}) {% endfor %}{% endfor %}
{% set counter = 0 %}{% for i in [1, 2] %}{% set counter = counter + i %}{% endfor %}outer={{ counter }}
last line without newline`;

const J2_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  vars:
    n: 3
    name: kube-node-1
    none_var: ~
    d: { b: 2, a: 1 }
    users: [{ name: alice, admin: true }, { name: bob, admin: false }]
  tasks:
    - template: { src: t.j2, dest: "${out}/default", mode: "0640" }
    - template: { src: t.j2, dest: "${out}/lstrip", lstrip_blocks: yes }
    - template: { src: t.j2, dest: "${out}/no-trim", trim_blocks: no }
`;

/** any_errors_fatal and max_fail_percentage end the whole playbook, not only their play. */
const FATAL_PLAYBOOK = (out: string) => `
- hosts: all
  gather_facts: false
  serial: 1
  max_fail_percentage: 0
  tasks:
    - command: /bin/false
      when: inventory_hostname == 'h1'
    - copy: { dest: "${out}/{{ inventory_hostname }}-batch", content: x }
- hosts: all
  gather_facts: false
  tasks:
    - copy: { dest: "${out}/{{ inventory_hostname }}-later-play", content: x }
`;

/** Ansible's loop keywords and loop_control, each writing one line per item. */
const LOOPS_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  vars:
    nested: [[a, b], c, [d]]
    users: [{ name: alice, keys: [k1, k2] }, { name: bob, keys: [k3] }, { name: eve }]
    d: { one: 1, two: 2 }
  tasks:
    - lineinfile: { path: "${out}/items", line: "{{ item }}", create: yes }
      with_items: "{{ nested }}"
    - lineinfile: { path: "${out}/list", line: "{{ item }}", create: yes }
      with_list: "{{ nested }}"
    - lineinfile: { path: "${out}/indexed", line: "{{ item.0 }}={{ item.1 }}", create: yes }
      with_indexed_items: "{{ nested }}"
    - lineinfile: { path: "${out}/dict", line: "{{ item.key }}:{{ item.value }}", create: yes }
      with_dict: "{{ d }}"
    - lineinfile: { path: "${out}/seq", line: "{{ item }}", create: yes }
      with_sequence: start=8 end=12 stride=2 format=node%02d
    - lineinfile: { path: "${out}/seq-count", line: "{{ item }}", create: yes }
      with_sequence: count=3
    - lineinfile: { path: "${out}/together", line: "{{ item.0 }}-{{ item.1 }}", create: yes }
      with_together: [[1, 2, 3], [x, y]]
    - lineinfile: { path: "${out}/nested", line: "{{ item.0 }}{{ item.1 }}", create: yes }
      with_nested: [[a, b], [1, 2]]
    - lineinfile: { path: "${out}/sub", line: "{{ item.0.name }} {{ item.1 }}", create: yes }
      with_subelements: ["{{ users }}", keys, { skip_missing: true }]
    - lineinfile: { path: "${out}/control", line: "{{ idx }} {{ u }}", create: yes }
      loop: [p, q, r]
      loop_control: { loop_var: u, index_var: idx, label: "{{ u }}", pause: 0 }
    - lineinfile: { path: "${out}/task-vars", line: "{{ doubled }} {{ fixed.k }}", create: yes }
      vars: { doubled: "{{ item }}{{ item }}", fixed: { k: "{{ d.one }}" } }
      loop: [a, b]
`;

/** Roles: roles: with parameters and when, defaults < inventory < play vars < role vars, meta dependencies, duplicates run once, handlers, role files and templates, import_role/include_role with tasks_from. */
const ROLES_PLAYBOOK = (_out: string) => `
- hosts: all
  gather_facts: no
  vars: { greeting: from-play, port: 1 }
  roles:
    - base
    - { role: base }
    - { role: app, when: inventory_hostname == 'h1' }
  tasks:
    - import_role: { name: base, tasks_from: other }
    - include_role: { name: base, tasks_from: other }
      vars: { greeting: task-level }
`;

const ROLE_FILES = (out: string): Record<string, string> => ({
  "roles/base/defaults/main.yml": "greeting: from-defaults\nlevel: default-level\nport: 2\n",
  "roles/base/vars/main.yml": "port: 8080\n",
  "roles/base/tasks/main.yml": `
- name: log a run of base
  shell: echo "base {{ who | default('-') }} {{ greeting }} {{ port }} {{ level }} {{ role_name }}" >> ${out}/{{ inventory_hostname }}-log
  notify: restart base
- template: { src: t.j2, dest: "${out}/{{ inventory_hostname }}-tmpl", mode: "0640" }
- copy: { src: f.txt, dest: "${out}/{{ inventory_hostname }}-file" }
- include_tasks: extra.yml
`,
  "roles/base/tasks/extra.yml": `
- shell: echo "extra {{ role_path | basename }}" >> ${out}/{{ inventory_hostname }}-log
`,
  "roles/base/tasks/other.yml": `
- shell: echo "other {{ greeting }} {{ port }}" >> ${out}/{{ inventory_hostname }}-log
`,
  "roles/base/handlers/main.yml": `
- name: restart base
  shell: echo "handler" >> ${out}/{{ inventory_hostname }}-log
`,
  "roles/base/files/f.txt": "from the role's files\n",
  "roles/base/templates/t.j2": "{{ role_name }} says {{ greeting }} on {{ port }}\n",
  "roles/app/meta/main.yml": "dependencies:\n  - { role: base, who: dep }\n",
  "roles/app/defaults/main.yml": "app_port: 9000\n",
  "roles/app/tasks/main.yml": `
- shell: echo "app {{ app_port }} {{ role_name }} {{ greeting }}" >> ${out}/{{ inventory_hostname }}-log
`,
});

/** import_playbook (vars, files beside it), include_vars (file, dir, name), omit, the play's host lists after a failure, meta end_host/clear_host_errors/reset_connection. */
const META_PLAYBOOK = (out: string) => `
- import_playbook: sub/first.yml
  vars: { from_import: imported }
- hosts: all
  gather_facts: no
  tasks:
    - include_vars: extra.yml
    - include_vars: { dir: vars/more, name: more, ignore_unknown_extensions: true }
    - copy:
        dest: "${out}/{{ inventory_hostname }}-vars"
        content: "{{ inc_a }} {{ inc_b }} {{ more | to_json }} {{ ansible_run_tags }}"
        mode: "{{ m | default(omit) }}"
    - fail: { msg: h1 fails }
      when: inventory_hostname == 'h1'
    - copy:
        dest: "${out}/{{ inventory_hostname }}-hosts"
        content: "{{ ansible_play_hosts }} {{ ansible_play_hosts_all }} {{ ansible_play_batch }} {{ play_hosts }}"
    - meta: reset_connection
    - meta: end_host
      when: inventory_hostname == 'h2'
    - copy: { dest: "${out}/{{ inventory_hostname }}-after-end-host", content: x }
- hosts: all
  gather_facts: no
  tasks:
    - copy: { dest: "${out}/{{ inventory_hostname }}-next-play", content: "{{ ansible_play_hosts_all }}" }
    - meta: clear_host_errors
    - copy: { dest: "${out}/{{ inventory_hostname }}-after-clear", content: x }
`;

const META_FILES = (out: string): Record<string, string> => ({
  "sub/first.yml": `
- hosts: h1
  gather_facts: no
  tasks:
    - copy: { src: f.txt, dest: "${out}/imported-{{ from_import }}" }
`,
  "sub/files/f.txt": "beside the imported playbook\n",
  "vars/extra.yml": 'inc_a: from-vars-dir\ninc_b: "{{ inc_a }}-rendered"\n',
  "vars/more/a.yml": "x: 1\n",
  "vars/more/b.yaml": "y: [2, 3]\n",
  "vars/more/notes.txt": "not vars\n",
});

/** Argument aliases from each module's argument_spec, and stat's fields (names, types and values). */
const STAT_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  tasks:
    - lineinfile: { dest: "${out}/aliased", line: "a=1", create: yes, mode: "0750" }
    - lineinfile: { destfile: "${out}/aliased", regex: "^a=", line: "a=2" }
    - file: { name: "${out}/link", src: aliased, state: link }
    - file: { dest: "${out}/dir", state: directory, mode: "02755" }
    - slurp: { path: "${out}/aliased" }
      register: slurped
    - stat: { path: "${out}/aliased" }
      register: f
    - stat: { dest: "${out}/link" }
      register: l
    - stat: { name: "${out}/dir", get_mime: false }
      register: d
    - stat: { path: "${out}/absent" }
      register: a
    - copy:
        dest: "${out}/stat"
        content: |
          keys {{ f.stat.keys() | sort | join(' ') }}
          dir keys {{ d.stat.keys() | sort | join(' ') }}
          {{ slurped.content | b64decode }}
          {% for k in ['mode', 'isreg', 'isdir', 'islnk', 'size', 'checksum', 'rusr', 'wusr', 'xusr', 'rgrp', 'wgrp',
                       'xgrp', 'roth', 'woth', 'xoth', 'isuid', 'isgid', 'readable', 'writeable', 'executable',
                       'pw_name', 'gr_name', 'nlink', 'mimetype', 'charset', 'ischr', 'isblk', 'isfifo', 'issock'] %}
          {{ k }}={{ f.stat[k] }} link={{ l.stat[k] | default('-') }} dir={{ d.stat[k] | default('-') }}
          {% endfor %}
          lnk_source={{ l.stat.lnk_source == f.stat.path }} lnk_target={{ l.stat.lnk_target | basename }}
          times {{ f.stat.mtime is number }} {{ f.stat.atime is number }} {{ f.stat.ctime is number }}
          mtime {{ f.stat.mtime | int == lookup('pipe', 'stat -c %Y ${out}/aliased') | int }}
          absent {{ a.stat }}
`;

/** Lookups on the controller (file, pipe, lines, env, fileglob, first_found), with_fileglob, with_first_found, throttle. */
const LOOKUP_PLAYBOOK = (out: string) => `
- hosts: all
  gather_facts: no
  become_method: sudo
  tasks:
    - copy: { src: "{{ item }}", dest: "${out}/{{ inventory_hostname }}-glob-{{ item | basename }}" }
      with_fileglob: ["conf/*.conf"]
    - copy: { dest: "${out}/{{ inventory_hostname }}-first", content: "{{ lookup('file', item) }}" }
      with_first_found:
        - files: [missing.yml, second.txt]
          paths: [data]
    - copy:
        dest: "${out}/{{ inventory_hostname }}-lookups"
        content: |
          {{ lookup('file', 'hello.txt') }}|
          {{ lookup('pipe', 'echo piped; echo two') }}|
          {{ query('lines', 'printf "a\\nb\\n"') }}
          {{ lookup('lines', 'printf "a\\nb\\n"') }}
          {{ lookup('env', 'HOME') == ansible_env_home | default(lookup('env', 'HOME')) }}
          {{ query('fileglob', 'conf/*.conf') | map('basename') | sort }}
          {{ lookup('first_found', ['nope', 'hello.txt']) | basename }}
    - shell: echo "{{ inventory_hostname }}" >> ${out}/throttled
      throttle: 1
`;

const LOOKUP_FILES = (): Record<string, string> => ({
  "files/conf/a.conf": "a = 1\n",
  "files/conf/b.conf": "b = 2\n",
  "files/conf/skip.txt": "not matched\n",
  "files/hello.txt": "hello from files\n\n",
  "data/second.txt": "second\n",
});

/** Ansible's test helper pattern: setup, a templated include_tasks (first_found), tempfile, an include as a role's handler seeing the role's defaults. */
const DYNAMIC_PLAYBOOK = (_out: string) => `
- hosts: all
  gather_facts: no
  roles:
    - tmp
  tasks:
    - include_tasks: "{{ 'tasks-' ~ inventory_hostname ~ '.yml' }}"
`;

const DYNAMIC_FILES = (out: string): Record<string, string> => ({
  "roles/tmp/defaults/main.yml": "keep_tmp: no\n",
  "roles/tmp/tasks/main.yml": `
- setup: { gather_subset: distribution }
  when: ansible_facts == {}
- include_tasks: "{{ lookup('first_found', files) }}"
  vars:
    files: ["{{ ansible_os_family | lower }}-nope.yml", default.yml]
`,
  "roles/tmp/tasks/default.yml": `
- tempfile: { state: directory, suffix: .test }
  register: tmp
  notify: clean up
- copy: { dest: "${out}/{{ inventory_hostname }}-tmp", content: "{{ tmp.path is match('/tmp/ansible.*\\\\.test$') }} {{ ansible_distribution | length > 0 }}" }
- set_fact: { tmp_dir: "{{ tmp.path }}" }
`,
  "roles/tmp/tasks/cleanup.yml": `
- file: { path: "{{ tmp_dir }}", state: absent }
- shell: test -e {{ tmp_dir }} || echo gone > ${out}/{{ inventory_hostname }}-cleaned
`,
  "roles/tmp/handlers/main.yml": `
- name: clean up
  include_tasks: cleanup.yml
  when: not keep_tmp | bool
`,
  "tasks-h1.yml": `- copy: { dest: "${out}/h1-own", content: one }\n`,
  "tasks-h2.yml": `- copy: { dest: "${out}/h2-own", content: two }\n`,
});

/** Older and rarer spellings: action/local_action, async with poll, gather_facts as a task, remote_user on the local connection, a command with no command, expanduser. */
const SPELLINGS_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  tasks:
    - gather_facts: { gather_subset: distribution }
    - action: copy dest=${out}/action content="{{ ansible_facts.distribution | length > 0 }}"
    - local_action: { module: copy, dest: "${out}/local-action", content: "{{ inventory_hostname }}" }
    - shell: sleep 0.1; echo done > ${out}/async
      async: 30
      poll: 1
    - shell: sleep 5
      async: 1
      poll: 1
      register: too_slow
      ignore_errors: true
    - script: /nonexistent.sh
      async: 2
      register: script_async
      ignore_errors: true
    - command:
      args: { chdir: / }
      register: no_command
      ignore_errors: true
    - file: { path: "${out}/remote-user", state: touch }
      remote_user: somebody-else
    - ping: { data: hello }
      register: pinged
    - pause: { seconds: 0 }
    - slurp:
      register: no_src
      ignore_errors: true
    - copy: { dest: "${out}/hard-src", content: "one inode\\n" }
    - file: { src: "${out}/hard-src", path: "${out}/hard", state: hard }
      register: hard
    - file: { src: "${out}/hard-src", path: "${out}/hard", state: hard }
      register: hard_again
    - stat: { path: "${out}/hard" }
      register: hard_stat
    - group: { name: kplay-diff-grp, gid: 64123 }
      register: made
    - group: name=kplay-diff-grp gid=64123
      register: again
    - group: { name: kplay-diff-grp, gid: 64124 }
      register: moved
    - group: { name: kplay-diff-grp, state: absent }
      register: gone
    - group: { name: kplay-diff-grp, state: absent }
      register: gone_again
    - copy:
        dest: "${out}/results"
        content: |
          {{ too_slow is failed }} {{ too_slow.msg is search('did not complete within the requested time') }}
          {{ script_async.msg }}
          {{ no_command is failed }}
          {{ '~/x' | expanduser == lookup('env', 'HOME') ~ '/x' }}
          {{ made.gid }} {{ made is changed }} {{ again is changed }} {{ moved.gid }} {{ gone is changed }}
          {{ gone_again is changed }}
          {{ no_src is failed }} {{ no_src.msg is search('missing required arguments: src') }}
          {{ hard is changed }} {{ hard_again is changed }} {{ hard_stat.stat.nlink }}
          {{ pinged.ping }}
`;

/** What Ansible's own command_shell, replace, blockinfile and lineinfile targets check, and facts. */
const TARGETS_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: yes
  tasks:
    - file: { path: "${out}/real/site", state: directory }
    - file: { path: "${out}/link", src: "${out}/real", state: link }
    - shell: dirname "$PWD"
      args: { chdir: "${out}/link/site" }
      register: physical
    - command: echo creates=${out}/rea* not run
      register: globbed
    - command: echo
      args: { chdir: "${out}/nope" }
      register: no_dir
      ignore_errors: true
    - shell: |
        echo this is a \\
        "multiline echo" \\
        "with a new line
        in quotes"
        echo "second"
      register: multi
    - command: echo a
      args: { argv: [echo, b] }
      register: both
      ignore_errors: true
    - command: echo hi
      args: { creates: "${out}/missing" }
      check_mode: yes
      register: would
    - shell: printf 'a\\n\\n'
      register: stripped
    - copy:
        dest: "${out}/pangrams"
        content: |
          The quick brown fox
          We promptly judged
          Jinxed wizards quilt
    - replace: { path: "${out}/pangrams", before: promptly, after: quilt, regexp: e, replace: "3" }
      register: nomatch
    - replace: path=${out}/pangrams regexp='\\b(.+)\\b' replace='"\\1"'
      register: backspace
    - replace: { path: "${out}/pangrams", after: promptly, regexp: ' ', replace: '' }
    - replace: { path: "${out}", regexp: x }
      register: on_dir
      ignore_errors: true
    - blockinfile:
        path: "${out}/pangrams"
        block: inserted
        insertafter: '(?m)brown.*\\n.*promptly'
    - lineinfile: { path: "${out}/items", line: "{{ item }}", create: yes }
      with_items: ["'foo'", "b"]
      register: items
    - copy:
        dest: "${out}/results"
        content: |
          {{ physical.stdout | basename }} {{ globbed is changed }} {{ globbed.stdout is search('^skipped, since .*rea. exists$') }}
          {{ globbed.msg is search("^Did not run command since '.*rea.' exists$") }}
          {{ no_dir is failed }} {{ no_dir.msg is search('Unable to change directory') }}
          {{ multi.cmd }}|{{ multi.stdout }}
          {{ both.msg }} {{ both.rc }}
          {{ would is changed }} {{ 'skipped' in would }} {{ would.msg }}
          [{{ stripped.stdout }}]
          {{ nomatch is changed }} {{ nomatch.msg is search('did not match') }} {{ backspace is changed }}
          {{ on_dir.msg is search(' is a directory !') }}
          {{ items.results[0].item }} {{ items.results[1].ansible_loop_var }}
          {{ ansible_user_dir == ansible_env.HOME }} {{ ansible_python.version.major }}
          {{ ansible_default_ipv4.address in ansible_all_ipv4_addresses }} {{ ansible_lo.ipv4.address }}
          {{ ansible_interfaces | reject('match', 'br-|veth') | sort }} {{ ansible_date_time.date == ansible_date_time.year ~ '-' ~
             ansible_date_time.month ~ '-' ~ ansible_date_time.day }} {{ ansible_date_time.iso8601 | length }}
`;

/** What Ansible's loops, script and raw targets check. */
const TARGET_LOOPS_PLAYBOOK = (out: string) => `
- hosts: all
  gather_facts: no
  vars:
    phrases: ["Hello World", "Ola Mundo"]
    raw_text: !unsafe "{{ not_a_template }}"
    none_v: ~
  tasks:
    - include_vars: lazy.yml
    - set_fact: { later: 2 }
    - include_tasks: item.yml
      with_sequence: start=0 count=3
      loop_control: { index_var: my_idx }
    - include_tasks: other.yml
      loop: [x, y]
      loop_control: { loop_var: "{{ 'other' }}" }
    - set_fact:
        times: "{{ times | default([]) + [item] }}"
      loop: [1, 2, 3]
    - debug: { msg: "{{ item }}" }
      loop: "{{ lookup('list', wantlist=True, *phrases) }}"
      register: listed
    - debug: { msg: "{{ item }}" }
      loop: "{{ q('file', 'f1.txt', 'f2.txt', lstrip=True) }}"
      register: filed
    - debug: { msg: "{{ ansible_loop.index }}/{{ ansible_loop.length }} {{ ansible_loop.nextitem | default('end') }}" }
      loop: [a, b]
      loop_control: { extended: true }
      register: ext
    - debug: { msg: "{{ ansible_loop_var }} {{ ansible_index_var }}" }
      loop: [1]
      loop_control: { loop_var: alvin, index_var: i }
      register: names
    - debug: { msg: never }
      when: false
      with_list: "{{ fake_var }}"
      register: short
    - set_fact: "{{ item.key }}={{ item.value }}"
      with_dict: { made: here }
    - debug: { msg: hidden, verbosity: 2 }
      register: quiet
    - name: an empty item in assert's list holds
      assert:
        that:
          - quiet is skipped
          -
    - script: touch.sh ${out}/{{ inventory_hostname }}-script creates=${out}/{{ inventory_hostname }}-script
    - script: touch.sh ${out}/{{ inventory_hostname }}-script creates=${out}/{{ inventory_hostname }}-script
      register: again
    - copy:
        dest: "${out}/{{ inventory_hostname }}-loops"
        content: |
          {{ seen }} {{ times }}
          {{ listed.results | map(attribute='msg') | list }} {{ filed.results | map(attribute='msg') | list }}
          {{ ext.results | map(attribute='msg') | list }} {{ names.results[0].msg }} {{ short is skipped }}
          {{ made }} {{ quiet is skipped }} {{ again is skipped }} {{ again.msg is search('exists, matching creates option') }}
          {{ lazy_list }} {{ raw_text }}
          {{ none_v or 'fb' }} {{ 1 and 2 }} {{ 0 and 1 }} {{ [] or 'empty' }}
    - copy: { dest: "${out}/{{ inventory_hostname }}-omitted", content: "x", mode: "{{ none_v or omit }}" }
`;

const TARGET_LOOPS_FILES = () => ({
  "item.yml": '- set_fact:\n    seen: "{{ seen | default([]) + [item, my_idx] }}"\n',
  "other.yml": '- set_fact:\n    seen: "{{ seen | default([]) + [other, my_idx | default(-1)] }}"\n',
  "files/f1.txt": "  Hello World\n",
  "files/f2.txt": "Ola Mundo\n",
  "vars/lazy.yml": 'lazy_list: ["v{{ later }}"]\n',
  "files/touch.sh": '#!/bin/sh\ntouch "$1"\n',
});

/** What Ansible's template target checks: macros, include, import, extends, overrides, options. */
const TEMPLATE_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  vars: { who: world, items_: [1, 2] }
  tasks:
    - template: { src: main.j2, dest: "${out}/main" }
    - template: { src: child.j2, dest: "${out}/child" }
    - template: { src: override.j2, dest: "${out}/override" }
    - template: { src: custom.j2, dest: "${out}/custom", variable_start_string: "[%", variable_end_string: "%]" }
    - template: { src: main.j2, dest: "${out}/dos", newline_sequence: '\\r\\n' }
    - template: { src: cp.j2, dest: "${out}/cp1252", output_encoding: windows-1252 }
    - file: { path: "${out}/dir", state: directory }
    - template: { src: main.j2, dest: "${out}/dir/", mode: preserve }
      register: into_dir
    - copy: { content: "old\\n", dest: "${out}/target" }
    - file: { path: "${out}/link", src: "${out}/target", state: link }
    - template: { src: cp.j2, dest: "${out}/link", follow: true }
    - copy:
        dest: "${out}/results"
        content: |
          {{ lookup('template', 'macros.j2', template_vars={'extra': 'x'}) | trim }}
          {{ into_dir.dest | basename }} {{ into_dir.mode }} {{ into_dir.owner }} {{ 'uid' in into_dir }}
`;

const TEMPLATE_FILES = () => ({
  "templates/macros.j2":
    "{% macro greet(name, punct='!') %}hello {{ name }}{{ punct }}{% endmacro %}\n" +
    "{% set answer = 42 %}\n{{ greet(extra | default('none')) }}\n",
  "templates/part.j2": "part sees {{ who }}\n",
  "templates/main.j2":
    "{% import 'macros.j2' as m %}\n{% from 'macros.j2' import greet as g with context %}\n" +
    "{{ m.greet(who) }} {{ g('you', punct='?') }} {{ m.answer }}\n{% include 'part.j2' %}\n" +
    "{% set block_text %}{% for i in items_ %}<{{ i }}>{% endfor %}{% endset %}{{ block_text }}\n\n",
  "templates/base.j2": "top\n{% block body %}base body{% endblock %}\nbottom\n",
  "templates/child.j2": "{% extends 'base.j2' %}\n{% block body %}child body for {{ who }}{% endblock %}\n",
  "templates/override.j2":
    "#jinja2: trim_blocks: False, variable_start_string: '<<', variable_end_string: '>>'\n" +
    "{% if true %}\n<< who >> {{ kept }}\n{% endif %}\n",
  "templates/custom.j2": "[% who %] {{ who }}\n",
  "templates/cp.j2": "caf\u00e9 \u20ac {{ who }}\n",
});

// file's access_time/modification_time: set, kept, "now", formats, a bad time
const FILE_TIMES_PLAYBOOK = (out: string) => `
- hosts: all
  gather_facts: false
  vars:
    t: "${out}/{{ inventory_hostname }}-t"
    out_: "${out}"
  tasks:
    - file: { path: "{{ t }}", state: touch, modification_time: "202001021530.45", access_time: "201912312359.59" }
      register: set1
    - file: { path: "{{ t }}", state: touch, modification_time: "202001021530.45", access_time: "201912312359.59" }
      register: set2
    - file:
        path: "{{ t }}"
        modification_time: "2021-03-04 05:06:07"
        modification_time_format: "%Y-%m-%d %H:%M:%S"
      register: mod_only
    - file: { path: "{{ t }}", state: touch, modification_time: preserve, access_time: preserve }
      register: touch_preserve
    - file: { path: "{{ t }}", state: file }
      register: plain
    - file: { path: "${out}/{{ inventory_hostname }}-d", state: directory, modification_time: "202201010000.00", access_time: now }
      register: dir_now
    - file: { path: "${out}/{{ inventory_hostname }}-lv/a/b", state: directory, mode: "0750" }
      register: levels1
    - file: { path: "${out}/{{ inventory_hostname }}-lv/a/b", state: directory, mode: "0700" }
      register: levels2
    - file: { path: "${out}/{{ inventory_hostname }}-lv/a/b", state: directory, mode: "0700" }
      register: levels3
    - shell: find "${out}/{{ inventory_hostname }}-lv" -printf '%p %m\\n' | sort; stat -c %a "${out}"
      register: levels
    - file: { path: "{{ t }}", modification_time: "bad" }
      register: bad
      ignore_errors: true
    - stat: { path: "{{ t }}" }
      register: st
    - stat: { path: "${out}/{{ inventory_hostname }}-d" }
      register: sd
    - copy:
        dest: "${out}/{{ inventory_hostname }}-times"
        content: |
          {{ set1.changed }} {{ set2.changed }} {{ mod_only.changed }} {{ touch_preserve.changed }} {{ plain.changed }}
          {{ dir_now.changed }} {{ bad.failed }} {{ bad.msg is search('Error while obtaining timestamp for time bad') }}
          {{ st.stat.mtime | int }} {{ st.stat.atime | int }} {{ sd.stat.mtime | int }}
          {{ [levels1.changed, levels2.changed, levels3.changed] }} {{ levels.stdout | replace(out_, '') }}
`;

// copy with remote_src (a file, a directory with and without its trailing slash) and a controller directory
const COPY_TREES_PLAYBOOK = (out: string) => `
- hosts: all
  gather_facts: false
  vars:
    base: "${out}/{{ inventory_hostname }}"
  tasks:
    - copy: { dest: "{{ base }}-src.txt", content: "remote source\\n", mode: "0600" }
    - copy: { src: "{{ base }}-src.txt", dest: "{{ base }}-copied.txt", remote_src: yes }
      register: r1
    - copy: { src: "{{ base }}-src.txt", dest: "{{ base }}-copied.txt", remote_src: yes }
      register: r2
    - copy: { src: "{{ base }}-src.txt", dest: "{{ base }}-copied2.txt", remote_src: yes, mode: "0640" }
      register: r3
    - copy: { src: "{{ base }}-missing", dest: "{{ base }}-x", remote_src: yes }
      register: r4
      ignore_errors: true
    - file: { path: "{{ base }}-tree/sub", state: directory, mode: "0750" }
    - copy: { dest: "{{ base }}-tree/a.txt", content: "A\\n", mode: "0640" }
    - copy: { dest: "{{ base }}-tree/sub/b.txt", content: "B\\n" }
    - copy: { src: "{{ base }}-tree/", dest: "{{ base }}-contents", remote_src: yes }
      register: d1
    - copy: { src: "{{ base }}-tree", dest: "{{ base }}-contents", remote_src: yes }
      register: d2
    - copy: { src: "{{ base }}-tree/", dest: "{{ base }}-contents", remote_src: yes }
      register: d3
    - copy: { src: "{{ base }}-tree", dest: "{{ base }}-made/two", remote_src: yes }
      register: d5
      ignore_errors: true
    - copy: { dest: "{{ base }}-tree/a.txt", content: "A2\\n" }
    - copy: { src: "{{ base }}-tree/", dest: "{{ base }}-contents", remote_src: yes }
      register: d4
    - file: { src: a.txt, dest: "{{ base }}-tree/link", state: link }
    - copy: { src: "{{ base }}-tree/", dest: "{{ base }}-keptlinks", remote_src: yes, local_follow: false }
      register: k1
    - copy: { src: "{{ base }}-tree/", dest: "{{ base }}-keptlinks", remote_src: yes, local_follow: false }
      register: k2
    - copy: { src: localdir/, dest: "{{ base }}-local" }
      register: l1
    - copy: { src: localdir, dest: "{{ base }}-local" }
      register: l2
    - copy: { src: localdir/, dest: "{{ base }}-local" }
      register: l3
    - shell: >-
        for d in contents local keptlinks; do cd "{{ base }}-$d" &&
        find . -printf '%p %y %m %l\\n' | sort && find . -type f | sort | xargs cat; done > "{{ base }}-listing"
    - copy:
        dest: "{{ base }}-results"
        content: |
          {{ [r1.changed, r2.changed, r3.changed, r4.failed, d1.changed, d2.changed, d3.changed, d4.changed] }}
          {{ [l1.changed, l2.changed, l3.changed, d5.failed, k1.changed, k2.changed] }} {{ r4.msg | basename }}
          {{ d5.msg | basename }}
          {{ r1.checksum }} {{ r3.mode }} {{ r1.dest | basename }} {{ r1.size }}
`;

/**
 * pip as Ansible's: a virtualenv made by venv, a local wheel directory (as an air-gapped site has),
 * a version pinned, then met by a range, upgraded, two names, removed twice, an unknown package,
 * a requirements file twice, and check mode deciding from what is installed. kplay's cmd has the
 * `--` it puts before operands (Ansible's has none); the rest of it is Ansible's.
 */
const PIP_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  vars:
    base: "${out}"
    venv: "${out}-venv"
    ea: "--no-index --find-links ${out}-wheels"
  tasks:
    - command: /usr/bin/python3 "{{ playbook_dir }}/mkwheels.py" "${out}-wheels"
    - { pip: { name: kplaydemo==1.0, virtualenv: "{{ venv }}", virtualenv_command: /usr/bin/python3 -m venv, extra_args: "{{ ea }}" }, register: r1 }
    - { pip: { name: kplaydemo, version: "1.0", virtualenv: "{{ venv }}", extra_args: "{{ ea }}" }, register: r2 }
    - { pip: { name: "kplaydemo>=1.0,<3", virtualenv: "{{ venv }}", extra_args: "{{ ea }}" }, register: r3 }
    - { pip: { name: kplaydemo, state: latest, virtualenv: "{{ venv }}", extra_args: "{{ ea }}" }, register: r4 }
    - { pip: { name: [otherdemo, kplaydemo], virtualenv: "{{ venv }}", extra_args: "{{ ea }}" }, register: r5 }
    - { pip: { name: otherdemo, state: absent, virtualenv: "{{ venv }}" }, register: r6 }
    - { pip: { name: otherdemo, state: absent, virtualenv: "{{ venv }}" }, register: r7 }
    - { pip: { name: nosuchpkg, virtualenv: "{{ venv }}", extra_args: "{{ ea }}" }, register: r8, ignore_errors: true }
    - copy: { dest: "${out}-req.txt", content: "otherdemo==0.5\\n" }
    - { pip: { requirements: "${out}-req.txt", virtualenv: "{{ venv }}", extra_args: "{{ ea }}" }, register: r9 }
    - { pip: { requirements: "${out}-req.txt", virtualenv: "{{ venv }}", extra_args: "{{ ea }}" }, register: r10 }
    - { pip: { name: otherdemo, state: absent, virtualenv: "{{ venv }}" }, register: c1, check_mode: true }
    - { pip: { name: kplaydemo==9.0, virtualenv: "{{ venv }}" }, register: c2, check_mode: true }
    - { pip: { name: "kplaydemo>=2", virtualenv: "{{ venv }}" }, register: c3, check_mode: true }
    - { pip: { name: kplaydemo, virtualenv: "${out}-other-venv", virtualenv_command: /usr/bin/python3 -m venv }, register: c4, check_mode: true }
    - { pip: { name: [a, b], version: "1.0" }, register: e1, ignore_errors: true }
    - shell: ls "{{ venv }}"/lib/python3*/site-packages | grep demo > "${out}/installed"
    - copy:
        dest: "${out}/results"
        content: |
          {{ [r1, r2, r3, r4, r5, r6, r7, r8, r9, r10] | map(attribute='changed') | list }} {{ r8 is failed }}
          {{ [c1, c2, c3, c4] | map(attribute='changed') | list }} {{ r1.cmd | reject('equalto', '--') | map('replace', base, 'OUT') | list }}
          {{ r8.msg is search('No matching distribution found for nosuchpkg') }} {{ e1.msg }}
          {{ r4.state }} {{ r1.version }} {{ r2.version }} {{ r9.requirements | replace(base, 'OUT') }}
`;

const PIP_FILES = () => ({
  "mkwheels.py": [
    "import base64, hashlib, os, sys, zipfile",
    "d = sys.argv[1]; os.makedirs(d, exist_ok=True)",
    "for name, ver in [('kplaydemo', '1.0'), ('kplaydemo', '2.0'), ('otherdemo', '0.5')]:",
    "    info = '%s-%s.dist-info' % (name, ver)",
    "    files = {name + '/__init__.py': 'V = %r\\n' % ver,",
    "             info + '/METADATA': 'Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n' % (name, ver),",
    "             info + '/WHEEL': 'Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n'}",
    "    rec = ['%s,sha256=%s,%d' % (k, base64.urlsafe_b64encode(hashlib.sha256(v.encode()).digest()).rstrip(b'=').decode(), len(v)) for k, v in files.items()]",
    "    files[info + '/RECORD'] = '\\n'.join(rec + [info + '/RECORD,,']) + '\\n'",
    "    with zipfile.ZipFile(os.path.join(d, '%s-%s-py3-none-any.whl' % (name, ver)), 'w') as z:",
    "        for k, v in files.items(): z.writestr(k, v)",
    "",
  ].join("\n"),
});

/**
 * wait_for as Ansible's: a path appearing with a regex (match groups, the path's info), a path
 * going, a port that never opens (its message, the time), a sleep with a delay, drained.
 */
const WAIT_FOR_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  tasks:
    - shell: (sleep 1; echo "completed data 123" > "${out}/kw") > /dev/null 2>&1 &
    - { wait_for: { path: "${out}/kw", search_regex: 'completed (?P<word>\\w+) ([0-9]+)', timeout: 10 }, register: w1 }
    - shell: (sleep 1; rm -f "${out}/kw") > /dev/null 2>&1 &
    - { wait_for: { path: "${out}/kw", state: absent, timeout: 10 }, register: w2 }
    - { wait_for: { port: 1, timeout: 2 }, register: w3, ignore_errors: true }
    - { wait_for: { port: 1, timeout: 1, msg: custom words }, register: w4, ignore_errors: true }
    - { wait_for: { timeout: 1, delay: 1 }, register: w5 }
    - { wait_for: { port: 1, state: drained, timeout: 2, exclude_hosts: [10.0.0.1] }, register: w6 }
    - { wait_for: { path: "${out}/x", state: drained }, register: w7, ignore_errors: true }
    - { wait_for: { port: 1, state: stopped, timeout: 2 }, register: w8 }
    - copy:
        dest: "${out}/results"
        content: |
          {{ w1.match_groups }} {{ w1.match_groupdict }} {{ w1.state }} {{ w1.mode }} {{ w1.size }} {{ w1.search_regex }}
          {{ w2.state }} {{ w2.path | replace('${out}', 'OUT') }} {{ w2.elapsed >= 1 }} {{ w2.mode | default('none') }}
          {{ w3.msg }} {{ w3.elapsed }} {{ w4.msg }} {{ w5.elapsed }} {{ w6.state }} {{ w6.port }}
          {{ w7.msg }} {{ w8.state }} {{ w8.port }} {{ w8.path }} {{ w8.match_groups }}
`;

/**
 * set_fact and Ansible's unsafe marking: a value computed only from what people wrote renders
 * again where it is used; one that read a node's output, a lookup or a with_* item stays text.
 */
const SET_FACT_TAINT_PLAYBOOK = (out: string) => `
- hosts: h1
  gather_facts: no
  vars: { v: "1.0", k: __foo }
  tasks:
    - include_vars: "{{ playbook_dir }}/taint-vars.yml"
    - command: cat "{{ playbook_dir }}/bait.txt"
      register: r
    - set_fact:
        from_reg: "{{ r.stdout }}"
        from_lookup: "{{ lookup('file', playbook_dir ~ '/bait.txt') }}"
        from_hostvars: "{{ hostvars[inventory_hostname][k] }}"
        from_play_vars: "{{ [tpl] }}"
    - set_fact: "{{ item.key }}={{ hostvars[inventory_hostname][item.value] }}"
      with_dict: { from_with: __foo }
    - set_fact: "{{ item.key }}={{ hostvars[inventory_hostname][item.value] }}"
      loop: "{{ {'from_loop': '__foo'} | dict2items }}"
    - set_fact: { from_reg_loop: "{{ item }}" }
      loop: "{{ [r.stdout] }}"
    - copy:
        dest: "${out}/results"
        content: |
          {{ from_reg }} {{ from_lookup }} {{ from_hostvars }} {{ from_play_vars }}
          {{ from_with }} {{ from_loop }} {{ from_reg_loop }}
`;

const SET_FACT_TAINT_FILES = () => ({
  "taint-vars.yml": '__foo: ["foo{{ v }}"]\ntpl: "t{{ v }}"\n',
  "bait.txt": "b{{ v }}\n",
});

const COPY_TREES_FILES = () => ({ "localdir/one.txt": "one\n", "localdir/deep/two.txt": "two\n" });

/** Cases that change the machine itself (accounts, groups): the two engines take turns. */
const MACHINE_STATE = new Set([
  USER_PLAYBOOK,
  USER_OPTIONS_PLAYBOOK,
  USER_FALLBACK_PLAYBOOK,
  USER_LOCAL_PLAYBOOK,
  USER_SSH_KEY_PLAYBOOK,
  SPELLINGS_PLAYBOOK,
]);

/** Every case also has imported.yml (the first playbook imports it). */
const withImported = (play: DiffPlay): DiffPlay => ({
  ...play,
  files: (out) => ({ "imported.yml": IMPORTED(out), ...play.files?.(out) }),
  ...(MACHINE_STATE.has(play.main) ? { serial: true } : {}),
});
const runBoth = (play: DiffPlay) => bothEngines(withImported(play));
const sameAsAnsible = (play: DiffPlay, status = 0) => sameAs(withImported(play), status);

// each case runs two engines, some with sleeps (wait_for), pip or venv: minutes under load, not 20 s
describe("engine semantics as ansible-playbook 2.14 has them", { timeout: 240_000 }, () => {
  it.each([
    [[]],
    [["--tags", "tagged"]],
    [["--tags", "donever"]],
    [["--tags", "t4,tag2"]],
    [["--tags", "untagged", "--skip-tags", "always"]],
    [["--skip-tags", "all"]],
    [["--skip-tags", "tagged"]],
  ])("tags %j: never, always, tagged, templated tags; the implicit localhost; vars as a list", async (cli) => {
    const kplay = await sameAsAnsible({ main: TAGS_PLAYBOOK, cli });
    expect(kplay.recap[0]).toMatch(/^localhost /);
  });

  it("play keywords check_mode and ignore_errors; debug var=ansible_facts sets nothing", async () => {
    const kplay = await sameAsAnsible({ main: PLAY_KEYWORDS_PLAYBOOK });
    expect(Object.keys(kplay.files).sort()).toEqual(["nonfact", "task-overrides"]);
    expect(kplay.files.nonfact).toBe("644 False");
  });

  it("slurp and fetch say why a file cannot be read, as Ansible's modules do", async () => {
    const kplay = await sameAsAnsible({ main: UNREADABLE_PLAYBOOK });
    expect(kplay.files.messages).toMatch(/file not found: OUT\/missing/);
  });

  it("user returns the account's home, shell, comment, uid and gid", async () => {
    const kplay = await sameAsAnsible({ main: USER_PLAYBOOK });
    expect(kplay.files.results).toMatch(/^644 OUT\/home \/bin\/sh Diff user True/);
  });

  it("user: expires, password_lock, password ageing, update_password, umask, skeleton, move_home; getent", async () => {
    const kplay = await sameAsAnsible({ main: USER_OPTIONS_PLAYBOOK });
    expect(kplay.files.results).toMatch(/^644 \[True, False, True, False, False, True, True, True\]\n! 3 90 29281\n/);
  });

  it("user: the missing home made later, warnings, ssh_key_passphrase; getent facts under ansible_facts", async () => {
    const kplay = await sameAsAnsible({ main: USER_FALLBACK_PLAYBOOK });
    expect(kplay.files.results).toMatch(
      /^644 \[True, True, False, True\] False True\n07\d\d kplay-diff-u3 1\n1 1 The input/,
    );
  });

  it("rendered strings that read as Python literals become lists, dicts and bools; backslashes in {{ }}", async () => {
    const kplay = await sameAsAnsible({
      main: CONVERT_PLAYBOOK,
      templates: { "json.j2": '{"from": "template", "n": {{ a }}}\n' },
    });
    expect(kplay.files.results).toMatch(/^644 listy False False False \[1, 2, "x"\]\n/);
    expect(kplay.files["single-quoted"]).toBeDefined();
  });

  it("action: a module named by a template (string, mapping, args:, local_action, the node's pkg_mgr, unknown)", async () => {
    const kplay = await sameAsAnsible({ main: TEMPLATED_ACTION_PLAYBOOK });
    expect(kplay.files.kv).toBe("600 ");
    expect(kplay.files.results).toMatch(/^644 False True The module no_such_module was not found/);
  });

  it("user: local mode with libuser (warnings, groups by lgroupmod, primary group, expiry, umask refused)", async () => {
    const kplay = await sameAsAnsible({ main: USER_LOCAL_PLAYBOOK });
    expect(kplay.files.results).toMatch(
      /^644 \[True, False, True, False, True, True, True, False\] False\n'local: true'/,
    );
  });

  it("find: globs, regexes, excludes, types, hidden, depth, age, size, contents, checksums, a missing path", async () => {
    const kplay = await sameAsAnsible({ main: FIND_PLAYBOOK });
    expect(kplay.files.results).toMatch(/^644 T\/a.log,T\/b.txt,T\/big.bin 3 /);
  });

  it("user: generate_ssh_key (type, bits, file, comment, force); the fingerprint and public key", async () => {
    const kplay = await sameAsAnsible({ main: USER_SSH_KEY_PLAYBOOK });
    expect(kplay.files.results).toMatch(
      /^644 \[True, False, False, True\] False\nOUT-home\/.ssh\/id_ed25519 ssh-ed25519/,
    );
  });

  it.each(Object.keys(FATAL_PLAYBOOKS))("any_errors_fatal on a %s", async (kind) => {
    // a host failed in each: ansible-playbook exits 2, kplay 1 (its code for failed hosts; 2 is bad input)
    const play = { main: FATAL_PLAYBOOKS[kind] };
    const [kplay, ansible] = await runBoth(play);
    expect([ansible.status, kplay.status], ansible.output + kplay.output).toEqual([2, 1]);
    expect(kplay.files).toEqual(ansible.files);
    expect(kplay.recap).toEqual(ansible.recap);
    expect(Object.keys(kplay.files).some((f) => f.endsWith("-after"))).toBe(kind === "rescued");
  });

  it("path arguments: $VAR and ~ expanded on the node, as Ansible's type path", async () => {
    const kplay = await sameAsAnsible({ main: PATH_VARS_PLAYBOOK });
    expect(kplay.files.home).toBe("644 True True");
    expect(Object.keys(kplay.files).sort()).toEqual(["$NOT_SET_IN_ENV", "dir", "from-var", "home"]);
  });

  it("file: results (uid, mode, state, size) and the diff Ansible builds (state, mode, src, times, path_content)", async () => {
    const kplay = await sameAsAnsible({ main: FILE_DIFF_PLAYBOOK });
    expect(kplay.files.results).toMatch(/OUT\/t>t/);
  });

  it("file: no state, link refusals, recurse with a mode, errors in Ansible's words", async () => {
    const kplay = await sameAsAnsible({ main: FILE_STATES_PLAYBOOK });
    expect(kplay.files.results).toMatch(/missing required arguments: path/);
  });

  it("module_defaults on a play, a block and a task", async () => {
    const kplay = await sameAsAnsible({ main: MODULE_DEFAULTS_PLAYBOOK });
    expect(kplay.files.d).toBe("640 ");
  });

  it("copy refuses a missing or doubled source and a missing dest in Ansible's words", async () => {
    const kplay = await sameAsAnsible({ main: COPY_REFUSALS_PLAYBOOK });
    expect(kplay.files.results).toMatch(/dest is required/);
  });

  it("async with poll: 0 and async_status (status, until finished, cleanup)", async () => {
    const kplay = await sameAsAnsible({ main: ASYNC_PLAYBOOK });
    expect(kplay.files.results).toMatch(/^644 1 0 True True\n1 3 out err True non-zero return code True/);
  });

  it("copy of a controller directory follows links but copies a loop and a dangling link as links", async () => {
    const kplay = await sameAsAnsible({ main: COPY_LOOP_PLAYBOOK });
    expect(kplay.files.listing).toMatch(/loopdir\/sub\/circles l \.\.\//);
  });

  it("pip: a virtualenv, a local wheel directory, versions, latest, absent, requirements, check mode, refusals", async () => {
    const kplay = await sameAsAnsible({ main: PIP_PLAYBOOK, files: PIP_FILES });
    expect(kplay.files.installed).toBe("644 kplaydemo\nkplaydemo-2.0.dist-info\notherdemo\notherdemo-0.5.dist-info\n");
    expect(kplay.files.results).toMatch(
      /^644 \[True, False, False, True, True, True, False, False, True, False\] True/,
    );
  });

  it("set_fact values render again unless computed from node output, a lookup or a with_* item", async () => {
    const kplay = await sameAsAnsible({ main: SET_FACT_TAINT_PLAYBOOK, files: SET_FACT_TAINT_FILES });
    expect(kplay.files.results).toBe("644 b{{ v }} b{{ v }} ['foo1.0'] ['t1.0']\n['foo{{ v }}'] ['foo1.0'] b{{ v }}\n");
  });

  it("wait_for: a regex's match groups, a path going, a port's timeout and message, a delay, drained", async () => {
    const kplay = await sameAsAnsible({ main: WAIT_FOR_PLAYBOOK });
    expect(kplay.files.results).toMatch(/^644 \['data', '123'\] \{'word': 'data'\} file 0644 19/);
  });

  it("copy refuses a vault-encrypted source without a vault secret, as ansible-playbook without one", async () => {
    const kplay = await sameAsAnsible({ main: VAULT_PLAYBOOK, files: VAULT_FILES });
    expect(kplay.files.results).toMatch(/must be specified to decrypt DIR\/secret/);
  });

  it("include_tasks: file=… and include_role: name=… as key=value words", async () => {
    const kplay = await sameAsAnsible({ main: INCLUDE_KV_PLAYBOOK, files: INCLUDE_KV_FILES });
    expect(Object.keys(kplay.files).sort()).toEqual(["inc-a", "inc-b", "inc2", "role-other"]);
  });

  it("module arguments: yes/On booleans, key=value with templates and quotes, command options anywhere", async () => {
    const [kplay, ansible] = await runBoth({ main: ARGS_PLAYBOOK });
    expect(kplay.status, kplay.output).toBe(0);
    expect(ansible.status, ansible.output).toBe(0);
    expect(kplay.files).toEqual(ansible.files);
    expect(Object.keys(kplay.files).sort()).toEqual(["backup-yes", "kv.conf", "marker", "shell-out", "touched file"]);
  });

  it("Jinja templates (.j2): if/elif/else, for with loop.*, filters and else, set, raw, comments, whitespace control, trim_blocks/lstrip_blocks", async () => {
    const [kplay, ansible] = await runBoth({ main: J2_PLAYBOOK, templates: { "t.j2": J2 } });
    expect(ansible.status, ansible.output).toBe(0);
    expect(kplay.status, kplay.output).toBe(0);
    expect(Object.keys(kplay.files).sort()).toEqual(["default", "lstrip", "no-trim"]);
    for (const f of ["default", "lstrip", "no-trim"]) expect(kplay.files[f], f).toBe(ansible.files[f]);
    expect(kplay.files.default).toMatch(/^640 # Ansible managed\nhello kube-node-1\nmiddle 3\n/);
  });

  it("max_fail_percentage exceeded ends the playbook: no later batch, no later play", async () => {
    const [kplay, ansible] = await runBoth({ main: FATAL_PLAYBOOK });
    expect(ansible.status).not.toBe(0);
    expect(kplay.status).not.toBe(0);
    expect(kplay.files).toEqual(ansible.files);
    expect(kplay.files).toEqual({});
    expect(kplay.recap).toEqual(ansible.recap);
  });

  it("loops: with_items/list/indexed_items/dict/sequence/together/nested/subelements, loop_control, task vars per item", async () => {
    const [kplay, ansible] = await runBoth({ main: LOOPS_PLAYBOOK });
    expect(ansible.status, ansible.output).toBe(0);
    expect(kplay.status, kplay.output).toBe(0);
    expect(Object.keys(kplay.files)).toHaveLength(11);
    expect(kplay.files).toEqual(ansible.files);
    expect(kplay.recap).toEqual(ansible.recap);
  });

  it("Jinja expressions: operators, methods, tests, filters, literals and how values print", async () => {
    const [kplay, ansible] = await runBoth({ main: EXPR_PLAYBOOK });
    expect(ansible.status, ansible.output).toBe(0);
    expect(kplay.status, kplay.output).toBe(0);
    expect(kplay.files).toEqual(ansible.files);
    expect(Object.keys(kplay.files).sort()).toEqual(["expressions", "when-method"]);
    expect(kplay.files.expressions.split("\n").length).toBeGreaterThan(20);
  });

  it("play vars over facts, every listening handler, ignore_errors on an undefined variable, any_errors_fatal through import_tasks", async () => {
    const [kplay, ansible] = await runBoth({ main: PLAYBOOK });
    // h1 fails in the second play: ansible-playbook exits 2, kplay 1 (a host failed)
    expect(ansible.status, ansible.output).toBe(2);
    expect(kplay.status, kplay.output).toBe(1);
    expect(kplay.files).toEqual(ansible.files);
    expect(kplay.recap).toEqual(ansible.recap);
    expect(kplay.recap).toHaveLength(2);
    // and what that means, so the comparison cannot pass on two empty runs
    expect(kplay.files["h1-dist"]).toBe("644 from-play");
    expect(Object.keys(kplay.files)).toEqual(
      expect.arrayContaining(["h2-handler-a", "h2-handler-b", "h2-after-ignore"]),
    );
    expect(Object.keys(kplay.files).filter((f) => /next-imported|after-import/.test(f))).toEqual([]);
  });

  it("roles: parameters, when, variable precedence, dependencies, duplicates, handlers, files, import_role and include_role", async () => {
    const kplay = await sameAsAnsible({
      main: ROLES_PLAYBOOK,
      files: ROLE_FILES,
      hostVars: "level: from-inventory, greeting: inv",
    });
    // and what that means: base ran once from roles:, again as app's dependency (other parameters) on h1 only
    expect(kplay.files["h1-log"]).toBe(
      "644 base - from-play 8080 default-level base\nextra base\n" +
        "base dep from-play 8080 default-level base\nextra base\napp 9000 app from-play\n" +
        "other from-play 8080\nother task-level 8080\nhandler\n",
    );
    expect(kplay.files["h2-log"]).toContain("base - from-play 8080 from-inventory base\n");
    expect(kplay.files["h1-tmpl"]).toBe("640 base says from-play on 8080\n");
  });

  it("import_playbook, include_vars, omit, the play's hosts after a failure, meta end_host/reset_connection/clear_host_errors", async () => {
    // clear_host_errors in the last play forgives h1's failure: both exit 0
    const kplay = await sameAsAnsible({ main: META_PLAYBOOK, files: META_FILES });
    expect(kplay.files["imported-imported"]).toBe("644 beside the imported playbook\n");
    expect(kplay.files["h2-hosts"]).toBe("644 ['h2'] ['h1', 'h2'] ['h2'] ['h2']");
    expect(Object.keys(kplay.files).filter((f) => f.includes("after-end-host"))).toEqual([]);
  });

  it("argument aliases (dest, destfile, name, regex, path) and stat's fields", async () => {
    const [kplay, ansible] = await runBoth({ main: STAT_PLAYBOOK });
    expect(ansible.status, ansible.output).toBe(0);
    expect(kplay.status, kplay.output).toBe(0);
    expect(kplay.files.stat).toBe(ansible.files.stat);
    expect(kplay.files).toEqual(ansible.files);
    expect(kplay.recap).toEqual(ansible.recap);
    expect(kplay.files.aliased).toBe("750 a=2\n");
  });

  it("lookups (file, pipe, lines, env, fileglob, first_found), with_fileglob, with_first_found, throttle", async () => {
    const kplay = await sameAsAnsible({ main: LOOKUP_PLAYBOOK, files: LOOKUP_FILES });
    expect(Object.keys(kplay.files).filter((f) => f.startsWith("h1-"))).toHaveLength(4);
    expect(kplay.files["h1-lookups"]).toContain("hello from files|\npiped\ntwo|");
  });

  it("setup, tempfile, include_tasks named by a template (first_found, per host), an include as a role's handler", async () => {
    const kplay = await sameAsAnsible({ main: DYNAMIC_PLAYBOOK, files: DYNAMIC_FILES });
    expect(kplay.files["h1-tmp"]).toBe("644 True True");
    expect(kplay.files["h2-cleaned"]).toBe("644 gone\n");
    expect(kplay.files["h2-own"]).toBe("644 two");
  });

  it("action/local_action, async with poll, gather_facts as a task, remote_user on the local connection, no command, group, hard links, a missing argument caught by ignore_errors", async () => {
    const kplay = await sameAsAnsible({ main: SPELLINGS_PLAYBOOK });
    expect(kplay.files.results).toBe(
      "644 True True\nasync is not supported for this task.\nTrue\nTrue\n64123 True False 64124 True\nFalse\n" +
        "True True\nTrue False 2\nhello\n",
    );
  });

  it("command/shell, replace, blockinfile, lineinfile as Ansible's targets test them, and gathered facts", async () => {
    const kplay = await sameAsAnsible({ main: TARGETS_PLAYBOOK });
    expect(kplay.files.results).toMatch(/^644 real False True\nTrue\nTrue True\n/);
    expect(kplay.files.pangrams).toBe(
      "644 The quick brown fox\nWe promptlyjudged\n# BEGIN ANSIBLE MANAGED BLOCK\n" +
        "inserted\n# END ANSIBLE MANAGED BLOCK\nJinxedwizardsquilt\n",
    );
  });

  it("looped include_tasks, set_fact across items, shaping lookups with *args, loop_control extended and names, debug verbosity, script creates", async () => {
    const kplay = await sameAsAnsible({ main: TARGET_LOOPS_PLAYBOOK, files: TARGET_LOOPS_FILES });
    expect(kplay.files["h1-loops"]).toMatch(/^644 \['0', 0, '1', 1, '2', 2, 'x', -1, 'y', -1\] \[1, 2, 3\]\n/);
    expect(kplay.files["h1-loops"]).toContain("\n['v2'] {{ not_a_template }}\nfb 2 0 empty\n");
  });

  it("templates: macros, import/from/include, extends/block, set blocks, #jinja2 overrides, delimiters, newline_sequence, output_encoding, a directory as dest, mode preserve, follow, lookup('template')", async () => {
    const kplay = await sameAsAnsible({ main: TEMPLATE_PLAYBOOK, files: TEMPLATE_FILES });
    expect(kplay.files.main).toBe("644 hello world! hello you? 42\npart sees world<1><2>\n\n");
    expect(kplay.files.child).toBe("644 top\nchild body for worldbottom\n");
  });

  it("file access_time/modification_time: set, kept on a second run, one of them, preserve, now, a format, a bad time", async () => {
    const kplay = await sameAsAnsible({ main: FILE_TIMES_PLAYBOOK });
    expect(kplay.files["h1-times"]).toMatch(/^644 True False True False False\nTrue True True\n1\d+(\.0)? /);
  });

  it("copy: remote_src files and directories (with and without the trailing slash), controller directories", async () => {
    const kplay = await sameAsAnsible({ main: COPY_TREES_PLAYBOOK, files: COPY_TREES_FILES });
    expect(kplay.files["h1-listing"]).toContain("two");
    expect(kplay.files["h1-results"]).toMatch(/^644 \[True, False, True, True, True, True, False, True\]/);
  });
});
