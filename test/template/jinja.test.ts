// Jinja2 templates (.j2) in kplay: what Ansible does is checked by the differential test in
// test/engine/ansible-semantics.test.ts; these are the errors (file and line named, nothing
// rendered half) and the rule that values are data, never rendered again.
import { describe, expect, it } from "vitest";
import type { KplayError } from "../../src/errors.js";
import { checkJinjaSyntax, renderJinja } from "../../src/template/jinja.js";

const opts = { trimBlocks: true, lstripBlocks: false, file: "t.j2" };
/** The error as the operator reads it (file, line, message). */
function said(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as KplayError).describe();
  }
  return "no error";
}

describe("Jinja templates", () => {
  it("an undefined variable names the template and its line", () => {
    expect(said(() => renderJinja("a\nb\n{{ missing }}\n", {}, opts))).toMatch(
      /t\.j2:3: template error: undefined variable "missing"/,
    );
  });

  it("unclosed tags and blocks, unknown statements: errors with the line where they start", () => {
    expect(said(() => checkJinjaSyntax("x\n{% if a %}\ny\n", { file: "t.j2" }))).toMatch(
      /t\.j2:2: .*missing \{% endif %\}/,
    );
    expect(said(() => checkJinjaSyntax("{{ a ", { file: "t.j2" }))).toMatch(/"\{\{" is never closed/);
    expect(said(() => checkJinjaSyntax("\n{% endfor %}", { file: "t.j2" }))).toMatch(
      /t\.j2:2: .*unexpected \{% endfor %\}/,
    );
    expect(said(() => checkJinjaSyntax("{% filter upper %}x{% endfilter %}", { file: "t.j2" }))).toMatch(
      /\{% filter %\} is not supported/,
    );
    expect(said(() => checkJinjaSyntax("{{ a + }}", { file: "t.j2" }))).toMatch(/t\.j2:1: template error/);
  });

  it("a value that looks like a template is printed as it is, never rendered again", () => {
    const vars = { fromNode: "{{ secret }}", secret: "s3cr3t", items: ["{{ secret }}"] };
    expect(renderJinja("{{ fromNode }} {% for i in items %}{{ i }}{% endfor %}", vars, opts)).toBe(
      "{{ secret }} {{ secret }}",
    );
  });

  it("a quoted %} or }} inside a tag does not end it", () => {
    expect(renderJinja("{{ '}}' ~ x }}{% if '%}' %}!{% endif %}", { x: 1 }, opts)).toBe("}}1!");
  });
});
