// `when` expressions: a safe Jinja-like subset.
import { describe, expect, it } from "vitest";
import { evalCondition, evalExpr } from "../../src/playbook/expr.js";

const vars = {
  inventory_hostname: "node2",
  result: { rc: 0, changed: true, stdout: "active\n", stdout_lines: ["a", "b"] },
  groups: { etcd: ["node1", "node2"] },
  n: 3,
  flag: "yes",
  empty: [],
  hostvars: { node1: { ip: "10.0.0.1" } },
};

describe("expressions", () => {
  it.each([
    ["result.rc == 0", true],
    ["result.rc != 0", false],
    ["result.changed", true],
    ["not result.changed", false],
    ["result is changed", true],
    ["inventory_hostname in groups['etcd']", true],
    ["inventory_hostname in groups.etcd and n > 2", true],
    ["inventory_hostname not in groups.etcd or n <= 2", false],
    ["'active' in result.stdout", true],
    ["missing is defined", false],
    ["missing is not defined", true],
    ["missing is undefined and n >= 3", true],
    ["missing | default(5) == 5", true],
    ["result.stdout_lines | length == 2", true],
    ["flag | bool", true],
    ["empty", false],
    ["hostvars['node1'].ip == '10.0.0.1'", true],
    ["(n == 1 or n == 3) and not false", true],
    ["{{ n == 3 }}", true],
    ["inventory_hostname == groups.etcd[0]", false],
  ])("%s -> %s", (e, want) => {
    expect(evalCondition(e, vars)).toBe(want);
  });

  it("lists of conditions are ANDed; booleans pass", () => {
    expect(evalCondition(["n == 3", "result.rc == 0"], vars)).toBe(true);
    expect(evalCondition(["n == 3", "result.rc == 1"], vars)).toBe(false);
    expect(evalCondition(false, vars)).toBe(false);
  });

  it("an undefined variable is an error naming it", () => {
    expect(() => evalCondition("missing == 1", vars)).toThrow(/"missing" is undefined/);
    expect(() => evalCondition("result.nope.x == 1", vars)).toThrow(/"result.nope.x" is undefined/);
  });

  it("rejects what it cannot parse", () => {
    expect(() => evalExpr("n ==", vars)).toThrow(/unexpected end/);
    expect(() => evalExpr("n = 3", vars)).toThrow(/unexpected "="/);
    expect(() => evalExpr("x is frobbed", { x: 1 })).toThrow(/unknown test/);
  });
});

describe("filters for shell and file content", () => {
  it("match/search/regex read a non-string as Python's str() prints it (a registered result's repr)", () => {
    const r = { failed: true, msg: "unable to slurp file: x" };
    expect(evalExpr("r is search('unable to slurp file')", { r })).toBe(true);
    expect(evalExpr("r is match(\"{'failed': True\")", { r })).toBe(true);
    expect(evalExpr("n is match('None')", { n: null })).toBe(true);
    expect(evalExpr("l is search('2')", { l: [1, 2] })).toBe(true);
  });

  it("random and shuffle as Ansible's filters", () => {
    for (let i = 0; i < 50; i++) {
      expect(["a", "b", "c"]).toContain(evalExpr("l | random", { l: ["a", "b", "c"] }));
      const n = evalExpr("100 | random(1, 10)", {}) as number;
      expect(n % 10).toBe(1);
      expect(n).toBeLessThan(100);
    }
    expect((evalExpr("l | shuffle", { l: [1, 2, 3] }) as number[]).sort()).toEqual([1, 2, 3]);
    expect(() => evalExpr("[] | random", {})).toThrow(/empty/);
  });

  it("quote, b64, join, first, last", () => {
    expect(evalExpr("x | quote", { x: "a b'c" })).toBe("'a b'\\''c'");
    expect(evalExpr("x | b64encode | b64decode", { x: "héllo" })).toBe("héllo");
    expect(evalExpr("l | join(',')", { l: ["a", "b"] })).toBe("a,b");
    expect(evalExpr("l | first", { l: ["a", "b"] })).toBe("a");
    expect(evalExpr("l | last", { l: ["a", "b"] })).toBe("b");
  });
});

describe("slices with a step, as Python's", () => {
  it.each([
    ["s[1::]", "bcdef"],
    ["s[::-1]", "fedcba"],
    ["s[::2]", "ace"],
    ["l[1::]", [1, 2, 3]],
    ["l[::-1]", [3, 2, 1, 0]],
    ["l[3:0:-2]", [3, 1]],
    ["l[-2::]", [2, 3]],
  ])("%s", (e, want) => {
    expect(evalExpr(e, { s: "abcdef", l: [0, 1, 2, 3] })).toEqual(want);
  });
});
