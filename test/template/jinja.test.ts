// Jinja2 templates (.j2) in kplay: what Ansible does is checked by the differential test in
// test/differential/ansible-semantics.test.ts; these are the errors (file and line named, nothing
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
    expect(said(() => checkJinjaSyntax("{% do x.append(1) %}", { file: "t.j2" }))).toMatch(
      /\{% do %\} is not supported/,
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

  // expected outputs: Python's jinja2 (as ansible-core 2.14 installs it) rendering the same files
  // with Ansible's trim_blocks, plus the last newline Ansible puts back
  const files: Record<string, string> = {
    "base.j2":
      "<head>{% block head %}base head{% endblock %}</head>\n<body>{% block body %}base body{% endblock %}</body>\n",
    "mid.j2": '{% extends "base.j2" %}\n{% block head %}mid+{{ super() }}{% endblock %}\n',
    "child.j2":
      '{% extends "mid.j2" %}\n{% block head %}child+{{ super() }}{% endblock %}\n' +
      "{% block body %}[{{ super() }}]{% endblock %}\n",
  };
  const load = (name: string) => (files[name] ? { text: files[name], file: name } : undefined);

  it("super() in a block renders the same block of the template it extends, through every level", () => {
    expect(renderJinja(files["child.j2"], {}, { ...opts, load })).toBe(
      "<head>child+mid+base head</head>\n<body>[base body]</body>\n",
    );
  });

  it("{% call %} gives a macro its body as caller(), with arguments; {% filter %} filters a body", () => {
    const t = [
      "{% macro box(title, cls='x') -%}",
      '<div class="{{ cls }}">{{ title }}: {{ caller() }}</div>',
      "{%- endmacro %}",
      "{% macro each(items) %}{% for i in items %}{{ caller(i, loop.index) }};{% endfor %}{% endmacro %}",
      "{% call box('Hello') %}inside {{ name }}{% endcall %}",
      "",
      "{% call(item, n) each(['a', 'b']) %}{{ n }}={{ item | upper }}{% endcall %}",
      "",
      "{% filter upper %}shout {{ name }}{% endfilter %}",
      "",
      "{% filter replace('a', 'o') | center(11) %}banana{% endfilter %}|",
      "{% filter trim %}",
      "   spaced   ",
      "{% endfilter %}|",
      "",
    ].join("\n");
    expect(renderJinja(t, { name: "bob" }, opts)).toBe(
      '<div class="x">Hello: inside bob</div>\n1=A;2=B;\nSHOUT BOB\n   bonono  |\nspaced|\n',
    );
  });
});
