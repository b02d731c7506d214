// Malformed playbooks: each gives the expected message at the right line, exit code 2.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KplayError } from "../../src/errors.js";
import { loadPlaybook } from "../../src/playbook/load.js";

const BAD = join(import.meta.dirname, "../fixtures/bad");

describe("playbook validation", () => {
  it.each([
    ["01-misspelt-module.yml", 4, 7, /unknown module or task keyword "cpoy".*did you mean "copy"/],
    ["02-two-modules.yml", 5, 7, /a task runs one module, found "command" and "shell"/],
    ["03-unknown-arg.yml", 6, 9, /unknown argument "contnet" for module copy.*did you mean "content"/],
    ["04-misspelt-play-key.yml", 2, 3, /unknown play keyword "taks".*did you mean "tasks"/],
    ["05-no-hosts.yml", 1, 3, /a play needs hosts/],
    ["06-bad-when.yml", 5, 13, /invalid when expression: unexpected end of expression/],
    ["07-copy-no-content.yml", 4, 7, /src \(or content\) is required/],
    ["08-unknown-handler.yml", 3, 7, /notify names a handler "restart contaienrd".*did you mean "restart containerd"/],
    ["09-bad-enum.yml", 6, 16, /must be one of: file, directory, absent, touch, link, hard, got: folder/],
    ["10-not-a-list.yml", 1, 1, /a playbook must be a list of plays/],
    ["11-yaml-syntax.yml", 5, undefined, /YAML syntax error/],
    ["12-bad-debugger.yml", 5, 17, /'sometimes' is not a valid value for debugger. Must be one of always, never/],
    ["13-bad-bool.yml", 2, 11, /expected true or false, got "maybe"/],
    ["14-no-module.yml", 3, 7, /the task names no module/],
    ["15-bad-register.yml", 5, 17, /Invalid variable name in .register. specified/],
    ["16-kv-junk.yml", 4, 13, /cannot read "junk" as key=value/],
    ["17-rescue-without-block.yml", 4, 7, /"rescue" belongs to a block/],
    ["18-missing-include.yml", 4, 22, /task file tasks\/nope.yml not found/],
    ["19-bad-serial.yml", 2, 11, /serial must be a number of hosts \(0: all at once\) or a percentage/],
    ["20-bad-strategy.yml", 2, 13, /unknown strategy "fastest".*linear or free/],
    ["21-missing-vars-file.yml", 3, 7, /vars file vars\/missing.yml not found/],
    ["22-template-syntax.yml", 6, undefined, /template error: .*Expecting/],
    ["23-loop-control.yml", 6, 21, /loop_control must be a mapping/],
    ["24-handler-block.yml", 5, 7, /handlers must be tasks or task includes, not blocks/],
    ["25-bad-retries.yml", 6, 16, /retries must be a non-negative number/],
    ["26-bad-env.yml", 6, 9, /invalid environment variable name "BAD-NAME"/],
    ["27-bad-import.yml", 4, 3, /unknown module or task keyword "fiel".*did you mean "file"/],
    ["28-missing-template.yml", 4, 17, /template nowhere.hbs not found/],
    ["29-become-doas.yml", 5, 22, /become_method "doas" is not supported: kplay becomes another user with sudo or su/],
    ["30-missing-role.yml", 4, 7, /role "nowhere" not found \(looked in .*roles\/nowhere/],
    ["31-import-role-loop.yml", 5, 7, /You cannot use loops on 'import_role' statements/],
    ["32-bad-order.yml", 2, 10, /order must be one of: inventory, reverse_inventory, sorted, reverse_sorted, shuffle/],
    ["33-bad-collections.yml", 4, 20, /collections: "\{\{ which \}\}" is not a collection name/],
  ])("%s", (file, line, column, msg) => {
    let err: unknown;
    try {
      loadPlaybook(join(BAD, file));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KplayError);
    const k = err as KplayError;
    expect(k.describe()).toMatch(msg);
    expect(k.exitCode).toBe(2);
    const expectFile = file.startsWith("22-")
      ? join(BAD, "templates/broken.hbs")
      : file.startsWith("27-")
        ? join(BAD, "tasks/bad-inner.yml")
        : join(BAD, file);
    expect(k.where.file).toBe(expectFile);
    expect(k.where.line).toBe(line);
    if (column !== undefined) expect(k.where.column).toBe(column);
  });
});

describe("where a task's files are found", () => {
  it("a template named templates/x.j2 in tasks/node.yml is the one beside the playbook, as Ansible finds it", () => {
    const dir = mkdtempSync(join(tmpdir(), "kplay-paths-"));
    mkdirSync(join(dir, "tasks"));
    mkdirSync(join(dir, "templates"));
    writeFileSync(join(dir, "templates/x.j2"), "{{ inventory_hostname }}\n");
    writeFileSync(join(dir, "tasks/node.yml"), "- template: src=templates/x.j2 dest=/tmp/x\n");
    writeFileSync(join(dir, "play.yml"), "- hosts: all\n  tasks:\n    - import_tasks: tasks/node.yml\n");
    const pb = loadPlaybook(join(dir, "play.yml"));
    expect(pb.files).toContain(join(dir, "templates/x.j2"));
  });
});
