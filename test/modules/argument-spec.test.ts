// Ansible's argument spec rules for specs written as data (role argument specs,
// validate_argument_spec): coercion by type and elements, choices, required, aliases, nested
// options and unsupported names, with ansible-core 2.14's messages. The differential case
// (test/differential/role-argument-specs.test.ts) compares the same against ansible-playbook.
import { describe, expect, it } from "vitest";
import { specProblem, validateArguments, type ArgumentSpec } from "../../src/modules/argument-spec.js";

const STR = "<class 'ansible.parsing.yaml.objects.AnsibleUnicode'>";

describe("argument specs as data", () => {
  it.each<[string, ArgumentSpec, Record<string, unknown>, Record<string, unknown>]>([
    ["int from text", { n: { type: "int" } }, { n: "42" }, { n: 42 }],
    ["str from a number (the default type)", { s: {} }, { s: 5 }, { s: "5" }],
    ["str from a list, as Python prints it", { s: { type: "str" } }, { s: ["a", 1] }, { s: "['a', 1]" }],
    ["list from comma-separated text", { l: { type: "list" } }, { l: "a,b" }, { l: ["a", "b"] }],
    ["list of ints from text", { l: { type: "list", elements: "int" } }, { l: "1,2" }, { l: [1, 2] }],
    [
      "dict from k=v text, quotes kept together",
      { d: { type: "dict" } },
      { d: "a=1 b='x y'" },
      { d: { a: "1", b: "x y" } },
    ],
    ["dict from JSON text", { d: { type: "dict" } }, { d: '{"a": [1]}' }, { d: { a: [1] } }],
    ["bool from a word", { b: { type: "bool" } }, { b: "Yes" }, { b: true }],
    ["float from text", { f: { type: "float" } }, { f: "1.5" }, { f: 1.5 }],
    ["a default for what is missing", { n: { type: "int", default: 3 } }, {}, { n: 3 }],
    ["an alias for its option", { unit: { aliases: ["units"] } }, { units: "kb" }, { unit: "kb", units: "kb" }],
    [
      "nested options converted",
      { c: { type: "dict", options: { n: { type: "int" } } } },
      { c: "n=4" },
      { c: { n: 4 } },
    ],
  ])("%s", (_name, spec, params, validated) => {
    const r = validateArguments(spec, params);
    expect(r.errors).toEqual([]);
    expect(r.validated).toEqual(validated);
  });

  it.each<[string, ArgumentSpec, Record<string, unknown>, string[]]>([
    ["required, sorted", { b: { required: true }, a: { required: true } }, {}, ["missing required arguments: a, b"]],
    [
      "an int that is not one",
      { n: { type: "int" } },
      { n: "8x" },
      [`argument 'n' is of type ${STR} and we were unable to convert to int: ${STR} cannot be converted to an int`],
    ],
    [
      "choices",
      { m: { choices: ["fast", "slow"] } },
      { m: "medium" },
      ["value of m must be one of: fast, slow, got: medium"],
    ],
    [
      "choices of a list",
      { m: { type: "list", choices: ["a", "b"] } },
      { m: ["a", "c"] },
      ["value of m must be one or more of: a, b. Got no match for: c"],
    ],
    [
      "unknown names",
      { a: {}, b: { aliases: ["c"] } },
      { z: 1, y: 2 },
      ["y, z. Supported parameters include: a, b (c)."],
    ],
    [
      "nested: required, type and unknown, each found in its parent",
      { c: { type: "dict", options: { size: { type: "int", required: true } } } },
      { c: { other: 1 } },
      ["missing required arguments: size found in c", "c.other. Supported parameters include: size."],
    ],
    [
      "a nested dict given as text it cannot read",
      { c: { type: "dict", options: { n: {} } } },
      { c: "nope" },
      [
        "dictionary requested, could not parse JSON or key=value",
        `argument 'c' is of type ${STR} and we were unable to convert to dict: dictionary requested, could not parse JSON or key=value`,
        "value of 'c' must be of type dict or list of dicts",
      ],
    ],
  ])("refuses %s", (_name, spec, params, errors) => {
    expect(validateArguments(spec, params).errors).toEqual(errors);
  });

  it("a spec that is not one is named as such, never thrown", () => {
    expect(specProblem([])).toMatch(/must be a mapping/);
    // as Ansible: an unknown type fails the value given for it, and only that
    expect(specProblem({ a: { type: "integer" } })).toBeUndefined();
    expect(validateArguments({ a: { type: "integer" } }, {}).errors).toEqual([]);
    expect(validateArguments({ a: { type: "integer" } }, { a: 5 }).errors).toEqual([
      `argument 'a' is of type <class 'int'> and we were unable to convert to integer: unknown type "integer" in the argument spec`,
    ]);
    expect(specProblem({ a: { type: "dict", options: { b: 1 } } })).toBe(
      "option a: option b: its spec must be a mapping",
    );
    expect(specProblem({ a: { type: "int" } })).toBeUndefined();
  });

  it("nesting is bounded", () => {
    let spec: ArgumentSpec = { leaf: {} };
    let params: Record<string, unknown> = { leaf: "x" };
    for (let i = 0; i < 40; i++) {
      spec = { c: { type: "dict", options: spec } };
      params = { c: params };
    }
    expect(validateArguments(spec, params).errors.join("\n")).toMatch(/more than 16 levels deep/);
  });
});
