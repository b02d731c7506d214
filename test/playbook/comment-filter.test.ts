// The comment filter's own bounds (its Ansible behaviour is the differential case
// test/differential/comment-filter.test.ts): an unknown style is named; counts are bounded.
import { describe, expect, it } from "vitest";
import { commentFilter } from "../../src/playbook/comment-filter.js";

describe("comment filter", () => {
  it("names an unknown style", () => {
    expect(() => commentFilter("x", "lisp", {})).toThrow(/unknown style "lisp"/);
  });
  it("repeats a prefix at most 1000 times", () => {
    const out = commentFilter("x", "plain", { prefix_count: 1e9 });
    expect(out.split("\n").length).toBe(1000 + 2);
  });
});
