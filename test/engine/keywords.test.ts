// Tag selection as Ansible's evaluate_tags decides it (the cases of Ansible's tags target).
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ordered, resolvePlayLate, resolveTags, selectedByTags, serialBatches } from "../../src/engine/keywords.js";
import { loadPlaybook } from "../../src/playbook/load.js";

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

describe("a play's order", () => {
  const hosts = ["node2", "node10", "node1"];
  it.each([
    [undefined, ["node2", "node10", "node1"]],
    ["reverse_inventory", ["node1", "node10", "node2"]],
    // names compared as strings, as Ansible's sorted() compares them
    ["sorted", ["node1", "node10", "node2"]],
    ["reverse_sorted", ["node2", "node10", "node1"]],
  ] as const)("%s", (order, want) => {
    expect(ordered(hosts, order)).toEqual(want);
  });

  it("shuffle keeps every host once", () => {
    expect([...ordered(hosts, "shuffle")].sort()).toEqual([...hosts].sort());
  });
});

describe("serial", () => {
  const hosts = ["a", "b", "c", "d"];
  it.each([
    [[0], [["a", "b", "c", "d"]]],
    [
      [1, 0],
      [["a"], ["b", "c", "d"]],
    ],
    [
      [1, "50%"],
      [["a"], ["b", "c"], ["d"]],
    ],
    [["25%"], [["a"], ["b"], ["c"], ["d"]]],
  ] as const)("%j (0: every host left at once, as Ansible)", (serial, want) => {
    expect(serialBatches(hosts, [...serial])).toEqual(want);
  });

  it("written as a template (kubespray's serial: \"{{ serial | default('20%') }}\"): rendered when the play starts", () => {
    const dir = mkdtempSync(join(tmpdir(), "kplay-serial-"));
    writeFileSync(
      join(dir, "play.yml"),
      "- hosts: all\n  gather_facts: false\n  serial: \"{{ serial | default('50%') }}\"\n  tasks: [{ debug: { msg: hi } }]\n",
    );
    const play = loadPlaybook(join(dir, "play.yml")).plays[0];
    expect(play.serial).toEqual([]);
    expect(resolvePlayLate(play, {}).serial).toEqual(["50%"]);
    expect(resolvePlayLate(play, { serial: 1 }).serial).toEqual([1]);
    expect(() => resolvePlayLate(play, { serial: "many" })).toThrow(/serial must be a number of hosts/);
  });
});
