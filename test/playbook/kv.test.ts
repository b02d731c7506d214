// Key=value argument strings read as Ansible's split_args/parse_kv/join_args read them (the
// expectations were checked with ansible 2.14: `ansible localhost -m command -a ...`).
import { describe, expect, it } from "vitest";
import { freeFormArgs, keyValues, splitArgs } from "../../src/playbook/kv.js";

describe("key=value arguments", () => {
  it.each([
    ["path={{ p }} state=touch", ["path={{ p }}", "state=touch"]],
    [`line="a = {{ 'b c' }}" create=yes`, [`line="a = {{ 'b c' }}"`, "create=yes"]],
    ['a=\'x y\' b="q \\" r"', ["a='x y'", 'b="q \\" r"']],
    ["x={% if a %}1{% else %}2{% endif %} y={# c d #}", ["x={% if a %}1{% else %}2{% endif %}", "y={# c d #}"]],
    ["a  b", ["a ", "b"]],
    ['echo "x\ny" z\n', ["echo", '"x\ny"', "z\n"]],
  ])("%s", (s, words) => {
    expect(splitArgs(s)).toEqual(words);
  });

  it("refuses unbalanced quotes and template blocks", () => {
    expect(() => splitArgs("a='b c")).toThrow(/unbalanced jinja2 block or quotes/);
    expect(() => splitArgs("a={{ b")).toThrow(/unbalanced/);
  });

  it("reads key=value words, unquoting whole values, and names the first word that is not one", () => {
    expect(keyValues(`dest=/x content='a b' mode=0644`)).toEqual({
      args: { dest: "/x", content: "a b", mode: "0644" },
    });
    expect(keyValues("dest=/x oops")).toEqual({ args: { dest: "/x" }, bad: "oops" });
  });

  it("takes a command's options wherever they are; the rest, re-joined, is the command", () => {
    const options = new Set(["creates", "chdir"]);
    expect(freeFormArgs("chdir=/tmp  ls  -l   creates={{ m }}", options)).toEqual({
      command: "ls  -l  ",
      args: { chdir: "/tmp", creates: "{{ m }}" },
    });
    expect(freeFormArgs("echo creates=/x here", options)).toEqual({ command: "echo here", args: { creates: "/x" } });
    expect(freeFormArgs("echo a=b c\\=d", options).command).toBe("echo a=b c=d");
  });

  it("ends a line with a lone backslash and keeps the other newlines, the last one too", () => {
    const s = 'echo this is a \\\n"multiline echo" \\\n"with a new line\nin quotes"\necho "second"\n';
    expect(freeFormArgs(s, new Set()).command).toBe(
      'echo this is a "multiline echo" "with a new line\nin quotes"\necho "second"\n',
    );
  });
});

describe("escapes in key=value words", () => {
  it("decodes \\b, \\n, \\\\ and \\xHH in option values as Ansible does, and leaves \\1", () => {
    expect(keyValues(`regexp='\\b(.+)\\b' replace='"\\1"'`).args).toEqual({ regexp: "\b(.+)\b", replace: '"\\1"' });
    expect(keyValues(`regexp='\\\\b(.+)\\\\b' x=a\\x41`).args).toEqual({ regexp: "\\b(.+)\\b", x: "aA" });
  });
});
