// lineinfile / blockinfile / replace as pure text transforms: (file before, args) -> file after.
import { describe, expect, it } from "vitest";
import { blockInFile } from "../../src/modules/blockinfile.js";
import { lineInFile } from "../../src/modules/lineinfile.js";
import { replaceIn } from "../../src/modules/replace.js";
import { unifiedDiff } from "../../src/report/diff.js";

const L = (o: Record<string, unknown>) => ({
  state: "present" as const,
  backrefs: false,
  firstmatch: false,
  create: false,
  backup: false,
  path: "/x",
  ...o,
});

describe("lineinfile", () => {
  it.each([
    ["appends a missing line", "a\nb\n", { line: "c" }, "a\nb\nc\n"],
    ["leaves a present line", "a\nc\n", { line: "c" }, "a\nc\n"],
    ["replaces the last regexp match", "x=1\ny=2\nx=3\n", { regexp: "^x=", line: "x=9" }, "x=1\ny=2\nx=9\n"],
    ["firstmatch replaces the first", "x=1\nx=3\n", { regexp: "^x=", line: "x=9", firstmatch: true }, "x=9\nx=3\n"],
    ["inserts after a regexp", "[a]\nk=1\n[b]\n", { line: "k=2", insertafter: "^\\[a\\]" }, "[a]\nk=2\nk=1\n[b]\n"],
    ["inserts at BOF", "a\n", { line: "first", insertbefore: "BOF" }, "first\na\n"],
    ["backrefs with no match changes nothing", "a\n", { regexp: "^(x)=", line: "\\1=2", backrefs: true }, "a\n"],
    [
      "backrefs substitute groups",
      "port=80\n",
      { regexp: "^(port)=\\d+", line: "\\1=8080", backrefs: true },
      "port=8080\n",
    ],
    ["absent removes every match", "a\nswap x\nb\nswap y\n", { state: "absent", regexp: "^swap" }, "a\nb\n"],
    ["adds a trailing newline to a file without one", "a", { line: "b" }, "a\nb\n"],
    ["creates content for an empty file", "", { line: "only" }, "only\n"],
  ])("%s", (_n, before, args, after) => {
    expect(lineInFile(before, L(args) as never).after).toBe(after);
  });
});

describe("blockinfile", () => {
  const B = (o: Record<string, unknown>) => ({
    block: "",
    marker: "# {mark} ANSIBLE MANAGED BLOCK",
    marker_begin: "BEGIN",
    marker_end: "END",
    state: "present" as const,
    create: false,
    backup: false,
    path: "/x",
    ...o,
  });
  it.each([
    [
      "inserts at the end",
      "127.0.0.1 localhost\n",
      { block: "10.0.0.5 reg.local" },
      "127.0.0.1 localhost\n# BEGIN ANSIBLE MANAGED BLOCK\n10.0.0.5 reg.local\n# END ANSIBLE MANAGED BLOCK\n",
    ],
    [
      "updates in place",
      "a\n# BEGIN ANSIBLE MANAGED BLOCK\nold\n# END ANSIBLE MANAGED BLOCK\nz\n",
      { block: "new1\nnew2\n" },
      "a\n# BEGIN ANSIBLE MANAGED BLOCK\nnew1\nnew2\n# END ANSIBLE MANAGED BLOCK\nz\n",
    ],
    [
      "is idempotent",
      "# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n",
      { block: "x" },
      "# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n",
    ],
    [
      "removes with state=absent",
      "a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n",
      { state: "absent" },
      "a\n",
    ],
    [
      "custom markers, inserted at BOF",
      "a\n",
      { block: "x", marker: "## {mark} KPLAY", insertbefore: "BOF" },
      "## BEGIN KPLAY\nx\n## END KPLAY\na\n",
    ],
  ])("%s", (_n, before, args, after) => {
    expect(blockInFile(before, B(args) as never).after).toBe(after);
  });
});

describe("replace", () => {
  const R = (o: Record<string, unknown>) => ({ replace: "", backup: false, path: "/x", ...o });
  it.each([
    ["every match", "a=1\nb=1\n", { regexp: "=1$", replace: "=2" }, "a=2\nb=2\n"],
    [
      "backreferences",
      "SystemdCgroup = false\n",
      { regexp: "(SystemdCgroup) = false", replace: "\\1 = true" },
      "SystemdCgroup = true\n",
    ],
    [
      "only between after and before",
      "x=1\n[s]\nx=1\n[t]\nx=1\n",
      { regexp: "x=1", replace: "x=2", after: "\\[s\\]", before: "\\[t\\]" },
      "x=1\n[s]\nx=2\n[t]\nx=1\n",
    ],
    ["no match, no change", "a\n", { regexp: "zzz", replace: "y" }, "a\n"],
  ])("%s", (_n, before, args, after) => {
    expect(replaceIn(before, R(args) as never).after).toBe(after);
  });
});

describe("unified diff", () => {
  it("shows removals before additions, with context", () => {
    expect(unifiedDiff("a\nold\nc\n", "a\nnew\nc\n", "/f")).toBe(
      "--- before: /f\n+++ after: /f\n@@ -1,3 +1,3 @@\n a\n-old\n+new\n c",
    );
  });
  it("keeps far-apart changes in separate hunks", () => {
    const before = Array.from({ length: 20 }, (_, i) => `l${i}`).join("\n") + "\n";
    const after = before.replace("l1\n", "L1\n").replace("l18\n", "L18\n");
    expect(unifiedDiff(before, after, "/f").match(/^@@/gm)).toHaveLength(2);
  });
});
