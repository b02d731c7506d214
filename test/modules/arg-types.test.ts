// Module arguments read as Ansible reads them: boolean words where a boolean is wanted, and a
// list, mapping or boolean where only text fits turned into its text as Python prints it
// (a template that rendered to a list, given to lineinfile's line), while a field that takes
// a list (package's name) keeps it.
import { describe, expect, it } from "vitest";
import { z } from "zod";
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

  it("strings and numbers convert where the field takes a number, text, a list or a mapping", () => {
    expect(args("wait_for", { path: "/x", timeout: "5", sleep: "0.5" })).toMatchObject({ timeout: 5, sleep: 0.5 });
    expect(args("package", { name: "a", cache_valid_time: "600" }).cache_valid_time).toBe(600);
    expect(args("unarchive", { src: "a", dest: "/x", extra_opts: "--a,--b" }).extra_opts).toEqual(["--a", "--b"]);
    expect(args("wait_for", { path: "/x", exclude_hosts: 5 }).exclude_hosts).toEqual(["5"]);
    expect(args("stat", { path: 5 }).path).toBe("5");
    // a template is converted once rendered
    expect(args("wait_for", { path: "/x", timeout: "{{ t }}" }).timeout).toBe("{{ t }}");
  });

  it("a conversion that cannot be made says so in Ansible's words", () => {
    expect(() => args("wait_for", { path: "/x", timeout: "abc" })).toThrow(
      "argument 'timeout' is of type <class 'str'> and we were unable to convert to int: invalid literal for int() with base 10: 'abc'",
    );
  });

  it("a mapping from key=value words or JSON, as Ansible's check_type_dict", () => {
    const schema = z.object({ headers: z.record(z.string(), z.unknown()).optional() });
    expect(withAnsibleTypes(schema, { headers: "a=1 b='x y',c=3" }).headers).toEqual({ a: "1", b: "x y", c: "3" });
    expect(withAnsibleTypes(schema, { headers: '{"a": 1}' }).headers).toEqual({ a: 1 });
    expect(() => withAnsibleTypes(schema, { headers: "plain" })).toThrow(/unable to convert to dict/);
  });
});
