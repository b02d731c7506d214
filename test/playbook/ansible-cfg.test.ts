// Where roles are found beyond roles/ beside the playbook: ansible.cfg's roles_path (found as
// Ansible finds its configuration file) and a role whose tasks are main.json.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ansibleCfgFile, configuredRolesPath, DEFAULT_ROLES_PATH } from "../../src/playbook/ansible-cfg.js";
import { loadPlaybook } from "../../src/playbook/load.js";
import { allTasks } from "../../src/playbook/types.js";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "kplay-cfg-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe("ansible.cfg", () => {
  it("roles_path: colon-separated, relative to the file, ~ and $VARS expanded; ANSIBLE_CONFIG names the file", () => {
    const dir = tree({
      "cfg/ansible.cfg":
        "[ssh_connection]\nroles_path = nope\n[defaults]\nroles_path = ./r1:~/r2:$KPLAY_T_ROOT/r3 # why\n",
    });
    process.env.ANSIBLE_CONFIG = join(dir, "cfg/ansible.cfg");
    process.env.KPLAY_T_ROOT = "/opt/x";
    expect(ansibleCfgFile(dir)).toBe(join(dir, "cfg/ansible.cfg"));
    expect(configuredRolesPath(dir)).toEqual([join(dir, "cfg/r1"), join(homedir(), "r2"), "/opt/x/r3"]);
  });

  it("without a file, or a file without roles_path: Ansible's default roles path (ansible-galaxy's)", () => {
    delete process.env.ANSIBLE_CONFIG;
    const dir = tree({ "ansible.cfg": "[defaults]\nforks = 5\n" });
    expect(configuredRolesPath(dir)).toEqual(DEFAULT_ROLES_PATH.map((p) => p.replace(/^~/, homedir())));
  });

  it("a role found through roles_path, its tasks in main.json", () => {
    const dir = tree({
      "ansible.cfg": "[defaults]\nroles_path = shared\n",
      "shared/web/tasks/main.json": '[{"name": "from json", "debug": {"msg": "hi"}}]',
      "pb.yml": "- hosts: all\n  roles: [web]\n",
    });
    process.env.ANSIBLE_CONFIG = join(dir, "ansible.cfg");
    delete process.env.ANSIBLE_ROLES_PATH;
    delete process.env.KPLAY_ROLES_PATH;
    const pb = loadPlaybook(join(dir, "pb.yml"));
    expect([...allTasks(pb.plays[0].tasks)].map((t) => t.name)).toContain("from json");
  });
});
