// One definition of a secret: names, sources, masking before encoding.
import { describe, expect, it } from "vitest";
import { ConsoleReporter } from "../../src/report/console.js";
import { isSecretName, MASK, Redactor } from "../../src/report/redact.js";

describe("secret names", () => {
  it.each([
    "ansible_password",
    "ansible_become_pass",
    "registry_pw",
    "aws_secret_access_key",
    "api_token_value",
    "kubeadm_certificate_key",
    "db_credentials",
    "ssh_passwd",
    "S3_SECRET",
  ])("%s is a secret", (n) => {
    expect(isSecretName(n)).toBe(true);
  });
  it.each(["ansible_ssh_private_key_file", "token_url", "cert_dir", "ansible_host", "pwd_hint", "kube_version"])(
    "%s is not",
    (n) => {
      expect(isSecretName(n)).toBe(false);
    },
  );
});

describe("Redactor", () => {
  it("collects from nested maps and lists, masks values before JSON escaping", () => {
    const r = new Redactor();
    r.addVars({ all: { children: [{ registry_pw: 'p"w\\1' }] }, api_token_value: 123456 });
    const lines: string[] = [];
    const out = { write: (s: string) => lines.push(s), isTTY: false } as unknown as NodeJS.WriteStream;
    const c = new ConsoleReporter(r, 1, out);
    c.emit({
      event: "host_result",
      task: "t",
      module: "debug",
      host: "h",
      status: "ok",
      elapsed_ms: 1,
      result: { changed: false, msg: 'x p"w\\1 y 123456' },
    });
    const text = lines.join("");
    expect(text).not.toContain('p\\"w');
    expect(text).not.toContain("123456");
    expect(text).toContain(MASK);
  });

  it("masks the longest secret first", () => {
    const r = new Redactor();
    r.add("abc");
    r.add("abcdef");
    expect(r.text("xabcdefx")).toBe(`x${MASK}x`);
  });
});
