// Module arguments read as Ansible reads them: boolean words where a boolean is wanted, and a
// list, mapping or boolean where only text fits turned into its text as Python prints it
// (a template that rendered to a list, given to lineinfile's line), while a field that takes
// a list (package's name) keeps it.
import { describe, expect, it } from "vitest";
import { withAnsibleTypes } from "../../src/modules/arg-types.js";
import { findModule } from "../../src/modules/index.js";

const args = (module: string, a: Record<string, unknown>) => withAnsibleTypes(findModule(module)!.schema, a);

describe("module argument types", () => {
  it("text fields take lists, mappings and booleans as Python prints them", () => {
    expect(args("lineinfile", { path: "/x", line: ["a", "b"] })).toEqual({ path: "/x", line: "['a', 'b']" });
    expect(args("lineinfile", { path: "/x", line: { k: 1 } }).line).toBe("{'k': 1}");
    expect(args("copy", { dest: "/x", content: true }).content).toBe("True");
    expect(args("lineinfile", { path: "/x", line: 7 }).line).toBe(7);
  });

  it("a field that takes a list keeps it; boolean words become booleans", () => {
    expect(args("package", { name: ["a", "b"], update_cache: "yes" })).toEqual({
      name: ["a", "b"],
      update_cache: true,
    });
    expect(args("copy", { dest: "/x", content: "x", backup: "On" }).backup).toBe(true);
  });
});
