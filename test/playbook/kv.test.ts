// Free-form arguments split as Ansible's split_args does: whitespace inside quotes and inside
// {{ }}, {% %} and {# #} does not separate words.
import { describe, expect, it } from "vitest";
import { freeFormArgs, keyValues, splitWords } from "../../src/playbook/kv.js";

describe("free-form arguments", () => {
  it.each([
    ["path={{ p }} state=touch", ["path={{ p }}", "state=touch"]],
    [`line="a = {{ 'b c' }}" create=yes`, [`line="a = {{ 'b c' }}"`, "create=yes"]],
    ['a=\'x y\' b="q \\" r"', ["a='x y'", 'b="q \\" r"']],
    ["x={% if a %}1{% else %}2{% endif %} y={# c d #}", ["x={% if a %}1{% else %}2{% endif %}", "y={# c d #}"]],
    ["  spaced   out  ", ["spaced", "out"]],
  ])("%s", (s, words) => {
    expect(splitWords(s).map((w) => w.text)).toEqual(words);
  });

  it("reads key=value words, unquoting whole values, and names the first word that is not one", () => {
    expect(keyValues(`dest=/x content='a b' mode=0644`)).toEqual({
      args: { dest: "/x", content: "a b", mode: "0644" },
    });
    expect(keyValues("dest=/x oops")).toEqual({ args: { dest: "/x" }, bad: "oops" });
  });

  it("takes a command's options from its start and end, the command as written in between", () => {
    const options = new Set(["creates", "chdir"]);
    expect(freeFormArgs("chdir=/tmp  ls  -l   creates={{ m }}", options)).toEqual({
      command: "ls  -l",
      args: { chdir: "/tmp", creates: "{{ m }}" },
    });
    expect(freeFormArgs("echo creates=/x here", options)).toEqual({ command: "echo creates=/x here", args: {} });
  });
});
