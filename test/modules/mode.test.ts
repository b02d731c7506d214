// normalizeMode, the one reading of a task's `mode` (file, copy, template, unarchive): octal as
// digits (YAML 1.2 reads an unquoted 0644 as the number 644), symbolic clauses as chmod takes
// them, several operations in one clause included (Ansible's unarchive target uses one).
import { describe, expect, it } from "vitest";
import { normalizeMode } from "../../src/modules/types.js";

describe("normalizeMode", () => {
  it("octal digits, as a string or as the number YAML made of them", () => {
    expect(normalizeMode("0644")).toBe("644");
    expect(normalizeMode(644)).toBe("644");
    expect(normalizeMode("01777")).toBe("1777");
  });

  it("symbolic clauses, with one or several operations each", () => {
    expect(normalizeMode("u=rwX,g=rX,o=")).toBe("u=rwX,g=rX,o=");
    expect(normalizeMode("u+rwX-x,g-wx,o-wx,g+r,o+r")).toBe("u+rwX-x,g-wx,o-wx,g+r,o+r");
    expect(normalizeMode("g=u")).toBe("g=u");
  });

  it("anything else is refused", () => {
    expect(() => normalizeMode("u+q")).toThrow(/invalid mode/);
    expect(() => normalizeMode("0899")).toThrow(/invalid mode/);
    expect(() => normalizeMode("u+r;touch x")).toThrow(/invalid mode/);
  });
});
