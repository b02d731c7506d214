// Templates: strict variables with line numbers, helpers, native values for `{{ var }}`.
import { describe, expect, it } from "vitest";
import { KplayError } from "../../src/errors.js";
import { renderTemplate, renderValue } from "../../src/template/render.js";

describe("templates", () => {
  it("renders without HTML escaping", () => {
    expect(renderTemplate("{{ a }} & <{{ b }}>", { a: "x&y", b: "'q'" })).toBe("x&y & <'q'>");
  });

  it("an undefined variable names the template, line and variable", () => {
    try {
      renderTemplate("line1\nline2 {{ registry_domian }}\n", { registry_domain: "r" }, { file: "templates/hosts.hbs" });
      throw new Error("no error");
    } catch (e) {
      expect(e).toBeInstanceOf(KplayError);
      const k = e as KplayError;
      expect(k.where).toMatchObject({ file: "templates/hosts.hbs", line: 2 });
      expect(k.message).toContain('"registry_domian"');
      expect(k.exitCode).toBe(2);
    }
  });

  it("offers the helpers configs need", () => {
    const ctx = {
      list: ["a", "b"],
      m: { k: [1, 2] },
      ep: "10.0.0.5:8080",
      v6: "[::1]:443",
      groups: { etcd: ["n1", "n2"] },
      hostvars: { n1: { ip: "1.1.1.1" }, n2: { ip: "2.2.2.2" } },
    };
    expect(renderTemplate("{{ join list ',' }}", ctx)).toBe("a,b");
    expect(renderTemplate("{{ default missing 'dflt' }}", ctx)).toBe("dflt");
    expect(renderTemplate("{{ toJson m }}", ctx)).toBe('{"k":[1,2]}');
    expect(renderTemplate("x:\n  {{ indent 2 (toYaml m) }}", ctx)).toBe("x:\n  k:\n    - 1\n    - 2");
    expect(renderTemplate("{{ b64encode 'hi' }}", ctx)).toBe("aGk=");
    expect(renderTemplate("{{ hostOf ep }}|{{ portOf ep }}|{{ hostOf v6 }}|{{ portOf v6 }}", ctx)).toBe(
      "10.0.0.5|8080|::1|443",
    );
    expect(renderTemplate("{{#if (and (eq 1 1) (not false))}}y{{/if}}", ctx)).toBe("y");
    expect(renderTemplate("{{ upper 'a' }}{{ lower 'B' }}", ctx)).toBe("Ab");
    expect(
      renderTemplate(
        "{{#each groups.etcd}}{{this}}=https://{{lookup (lookup ../hostvars this) 'ip'}}:2380{{#unless @last}},{{/unless}}{{/each}}",
        ctx,
      ),
    ).toBe("n1=https://1.1.1.1:2380,n2=https://2.2.2.2:2380");
  });

  it("a value that is exactly one {{ var }} keeps its type", () => {
    expect(renderValue("{{ list }}", { list: [1, 2] })).toEqual([1, 2]);
    expect(renderValue({ a: "{{ n }}", b: ["{{ s }}-x"] }, { n: 3, s: "y" })).toEqual({ a: 3, b: ["y-x"] });
    expect(() => renderValue("{{ nope }}", {})).toThrow(/undefined variable "nope"/);
  });
});
