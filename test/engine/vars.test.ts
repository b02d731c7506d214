// Tests play-variable resolution (src/engine/vars.ts): variables referring to each other, to the
// inventory's groups and hostvars, and to values not known yet (left for lazy rendering).
import { describe, expect, it } from "vitest";
import { resolveVars } from "../../src/engine/vars.js";

const magic = { groups: { etcd: ["n1", "n2"] }, hostvars: { n1: { ip: "10.0.0.1" }, n2: { ip: "10.0.0.2" } } };

describe("resolveVars", () => {
  it("renders a Jinja loop over groups and hostvars", () => {
    const v = resolveVars(
      {
        ...magic,
        cluster:
          "{% for h in groups.etcd %}{{ ',' if not loop.first }}{{ h }}=https://{{ hostvars[h].ip }}:2380{% endfor %}",
      },
      {},
    );
    expect(v.cluster).toBe("n1=https://10.0.0.1:2380,n2=https://10.0.0.2:2380");
  });
  it("renders chains of variables", () => {
    expect(resolveVars({ a: "{{ b }}-x", b: "{{ c }}", c: "z" }, {}).a).toBe("z-x");
  });
  it("leaves a variable that needs something not known yet as written", () => {
    const tpl = "{% for i in facts.ifaces %}{{ i }}{% endfor %}";
    expect(resolveVars({ late: tpl, other: "{{ missing_fact }}" }, {})).toEqual({
      late: tpl,
      other: "{{ missing_fact }}",
    });
  });
  it("still reports a template that is broken", () => {
    expect(() => resolveVars({ bad: "{{ x | }}" }, { file: "p.yml" })).toThrow(/template error/);
  });
  it("reads playbook values as Jinja only: Handlebars syntax is named, not rendered", () => {
    for (const bad of ["{{#each groups.etcd}}{{this}}{{/each}}", "a {{else}} b", "{{join groups.etcd ','}}"])
      expect(() => resolveVars({ ...magic, bad }, { file: "p.yml" })).toThrow(
        bad.includes("join") ? /template error: \{\{ join groups.etcd ',' \}\}/ : /Handlebars syntax/,
      );
  });
});

describe("resolveVars: structured values", () => {
  it("renders templated strings inside maps and lists", () => {
    const v = resolveVars({ base: "http://x", urls: { a: "{{ base }}/a", b: ["{{ base }}/b"] } }, {});
    expect(v.urls).toEqual({ a: "http://x/a", b: ["http://x/b"] });
  });
});
