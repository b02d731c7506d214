// Malformed playbooks: each gives the expected message at the right line, exit code 2.
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
    ["07-copy-no-content.yml", 4, 7, /give exactly one of content or src/],
    ["08-unknown-handler.yml", 3, 7, /notify names a handler "restart contaienrd".*did you mean "restart containerd"/],
    ["09-bad-enum.yml", 6, 16, /Invalid option|expected one of/],
    ["10-not-a-list.yml", 1, 1, /a playbook must be a list of plays/],
    ["11-yaml-syntax.yml", 5, undefined, /YAML syntax error/],
    ["12-unsupported-keyword.yml", 5, 7, /"delegate_to" is an Ansible keyword kplay does not support yet/],
    ["13-bad-bool.yml", 2, 11, /expected true or false, got "maybe"/],
    ["14-no-module.yml", 3, 7, /the task names no module/],
    ["15-bad-register.yml", 5, 17, /register needs a variable name/],
    ["16-kv-junk.yml", 4, 13, /cannot read "junk" as key=value/],
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
    expect(k.where.file).toBe(join(BAD, file));
    expect(k.where.line).toBe(line);
    if (column !== undefined) expect(k.where.column).toBe(column);
  });
});
