// Tag selection as Ansible's evaluate_tags decides it (the cases of Ansible's tags target).
import { describe, expect, it } from "vitest";
import { resolveTags, selectedByTags } from "../../src/engine/keywords.js";

const TASKS: Record<string, string[]> = {
  tag: ["tag"],
  always: ["always"],
  list: ["café", "press"],
  none: [],
  never: ["never", "donever"],
  csv: ["tag1", "tag2"],
  templated: ["tag3"],
};
const run = (sel: { tags?: string[]; skipTags?: string[] }) =>
  Object.keys(TASKS).filter((k) => selectedByTags(TASKS[k], sel));

describe("--tags / --skip-tags", () => {
  it.each([
    [{}, ["tag", "always", "list", "none", "csv", "templated"]],
    [{ tags: ["all"] }, ["tag", "always", "list", "none", "csv", "templated"]],
    [{ tags: ["tag"] }, ["tag", "always"]],
    [{ skipTags: ["tag"] }, ["always", "list", "none", "csv", "templated"]],
    [{ tags: ["donever"] }, ["always", "never"]],
    [{ tags: ["tagged"] }, ["tag", "always", "list", "csv", "templated"]],
    [{ tags: ["untagged"] }, ["always", "none"]],
    [{ tags: ["untagged"], skipTags: ["always"] }, ["none"]],
    [{ skipTags: ["all"] }, ["always"]],
    [{ skipTags: ["all", "always"] }, []],
    [{ skipTags: ["tagged"] }, ["none"]],
    [{ skipTags: ["untagged"] }, ["tag", "always", "list", "csv", "templated"]],
  ])("%j", (sel, want) => {
    expect(run(sel)).toEqual(want);
  });

  it("renders templated tags with the play's variables; a rendered string stays one tag", () => {
    expect(resolveTags(["a", "{{ t }}"], { t: ["x", "y"] })).toEqual(["a", "x", "y"]);
    expect(resolveTags(["{{ t }}"], { t: "x,y" })).toEqual(["x,y"]);
    expect(resolveTags(["plain"], {})).toEqual(["plain"]);
  });
});
