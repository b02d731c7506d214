// Python literals as Ansible's templar reads a rendered string (ansible_eval_concat): expected
// values were taken from Python 3.11's ast.literal_eval with Ansible's Json2Python names.
import { describe, expect, it } from "vitest";
import { convertRendered, literalEval } from "../../src/playbook/pyliteral.js";

describe("literalEval", () => {
  it.each([
    ["[1, 2]", [1, 2]],
    [`{'a': 1, "b": [True, None]}`, { a: 1, b: [true, null] }],
    [`{"k": true, "n": null, "f": false}`, { k: true, n: null, f: false }],
    ["[0x1f, 0o17, 0b101, 1_000, -2.5, 1e3, .5, 5., - 3]", [31, 15, 5, 1000, -2.5, 1000, 0.5, 5, -3]],
    [
      `['a' 'b', "c\\td", 'e\\\\f', r'g\\h', '\\x41\\u00e9\\101', 'it\\'s', "q\\""]`,
      ["ab", "c\td", "e\\f", "g\\h", "AéA", "it's", 'q"'],
    ],
    ["[(1, 2), (3,), (), (4)]", [[1, 2], [3], [], 4]],
    ["[\n 1, # one\n 2,\n]", [1, 2]],
    ["[1, 2] # tail", [1, 2]],
    ["{}", {}],
    ["[]", []],
    ["{'nested': {'x': [1, {'y': ''}]}}", { nested: { x: [1, { y: "" }] } }],
    ["{1: 'one', None: 'n'}", { "1": "one", None: "n" }],
  ])("%s", (text, value) => {
    expect(literalEval(text)).toEqual({ value });
  });

  // not a literal for Python, or one kplay does not read: a set, a complex number, a \N{name} escape
  it.each([
    "[1 + 2]",
    "[a]",
    "{1, 2}",
    "[1j]",
    "[0777]",
    '[f"x"]',
    '{"a": 1',
    "['unterminated]",
    "[1] [2]",
    "[--1]",
    "[1,,2]",
    "[1 2]",
    "{(1, 2): 3}",
    "['\\N{BULLET}']",
    "[__import__('os')]",
  ])("%s is not a literal", (text) => {
    expect(literalEval(text)).toBeUndefined();
  });
});

describe("convertRendered", () => {
  it("reads only what starts like a list or a dict, or is True/False", () => {
    expect(convertRendered("True")).toBe(true);
    expect(convertRendered("False")).toBe(false);
    expect(convertRendered("true")).toBe("true");
    expect(convertRendered(" [1]")).toBe(" [1]");
    expect(convertRendered("1")).toBe("1");
    expect(convertRendered("None")).toBe("None");
    expect(convertRendered("[WARN] disk")).toBe("[WARN] disk");
    expect(convertRendered('{"k": [1]}\n')).toEqual({ k: [1] });
  });
});
