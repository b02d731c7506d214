// Templates: strict variables with line numbers, helpers, native values for `{{ var }}`.
import { describe, expect, it } from "vitest";
import { KplayError } from "../../src/errors.js";
import { spawnSync } from "node:child_process";
import { withTemplateNames } from "../../src/playbook/data.js";
import { renderShellText, renderTemplate, renderValue } from "../../src/template/render.js";

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

describe("shell text that runs later (undo:)", () => {
  // `result` and facts are node data; `dir` and `svc` were written in the playbook
  const vars = withTemplateNames(
    {
      dir: "/etc/kubernetes/addons",
      svc: "ufw firewalld",
      result: { stdout: "disabled: ufw; touch /tmp/pwn $(id) `id` 'q'" },
      ansible_hostname: "n1$(reboot)",
      kplay_os: { ca_trust_update: "update-ca-certificates" },
    },
    new Set(["dir", "svc"]),
  );

  it("puts node data in as one quoted word, the playbook's values as written", () => {
    const out = renderShellText("rm -f {{ dir }}/x; for u in {{ svc }}; do echo {{ result.stdout }}; done", vars);
    expect(out).toBe(
      `rm -f /etc/kubernetes/addons/x; for u in ufw firewalld; do echo 'disabled: ufw; touch /tmp/pwn $(id) \`id\` '\\''q'\\'''; done`,
    );
    expect(renderShellText("hostname {{ ansible_hostname }}", vars)).toBe("hostname 'n1$(reboot)'");
    // kplay's own OS table: the node picks the row, never the text
    expect(renderShellText("{{ kplay_os.ca_trust_update }} >/dev/null", vars)).toBe(
      "update-ca-certificates >/dev/null",
    );
  });

  it("the quoted word runs as data: the shell never executes what the node sent", () => {
    const out = renderShellText("printf '%s\\n' {{ result.stdout }}", vars);
    const r = spawnSync("sh", ["-c", out], { encoding: "utf8" });
    expect(r.stdout).toBe("disabled: ufw; touch /tmp/pwn $(id) `id` 'q'\n");
  });

  it("quotes node data for where it stands: a list as words, inside double or single quotes, never in a comment", () => {
    const v = withTemplateNames({ result: { packages: ["containerd", "run c"], stdout: "a\"$(id)'b" } }, new Set());
    expect(renderShellText("apt-get purge {{ result.packages }}", v)).toBe("apt-get purge containerd 'run c'");
    expect(renderShellText(`[ "{{ ('containerd' in result.packages) | lower }}" = true ]`, v)).toBe(
      `[ "true" = true ]`,
    );
    expect(renderShellText(`echo "x {{ result.stdout }}"`, v)).toBe(`echo "x a\\"\\$(id)'b"`);
    expect(renderShellText(`echo 'x {{ result.stdout }}'`, v)).toBe(`echo 'x a"$(id)'\\''b'`);
    for (const script of [`echo "x {{ result.stdout }}"`, `echo 'x {{ result.stdout }}'`]) {
      const r = spawnSync("sh", ["-c", renderShellText(script, v)], { encoding: "utf8" });
      expect(r.stdout).toBe(`x a"$(id)'b\n`);
    }
    expect(() => renderShellText("true # {{ result.stdout }}", v)).toThrow(/cannot quote it \(a comment\)/);
  });

  it("refuses a statement that reads node data", () => {
    expect(() => renderShellText("{% for u in result.stdout.split() %}echo {{ u }};{% endfor %}", vars)).toThrow(
      /statement in shell text reads a node's data/,
    );
  });
});
