// One definition of a secret: names, sources, masking before encoding.
import { describe, expect, it } from "vitest";
import { ConsoleReporter } from "../../src/report/console.js";
import { recordedCommand } from "../../src/report/command-line.js";
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
    "mysql_root_pwd",
    "registry_auth",
    "basic-auth",
    "api_key",
    "keys",
  ])("%s is a secret", (n) => {
    expect(isSecretName(n)).toBe(true);
  });
  it.each([
    "ansible_ssh_private_key_file",
    "token_url",
    "cert_dir",
    "ansible_host",
    "pwd_hint",
    "kube_version",
    "author",
    "oauth_url",
    // dict2items' field: a mapping's key, printed with every item of such a loop
    "key",
  ])("%s is not", (n) => {
    expect(isSecretName(n)).toBe(false);
  });
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

  it("masks lists under a secret's name, and a secret's JSON-escaped and base64 forms", () => {
    const r = new Redactor();
    r.addVars({
      registry_passwords: ["first-pw", { nested: "second-pw" }],
      nginx_auth: "basic",
      reg_auth: "dXNlcjpwYXNzd29yZA",
    });
    r.addVars({ ansible_become_password: 'Bec"ome\\Pw5' });
    expect(r.text("a first-pw b second-pw")).toBe(`a ${MASK} b ${MASK}`);
    expect(r.text("basic dXNlcjpwYXNzd29yZA")).toBe(`basic ${MASK}`);
    expect(r.text(JSON.stringify({ v: 'Bec"ome\\Pw5' }))).toBe(`{"v":"${MASK}"}`);
    expect(r.text(Buffer.from('Bec"ome\\Pw5').toString("base64"))).toBe(MASK);
    expect(r.value({ registry_passwords: ["x1", "x2"], ok: ["x1"] })).toEqual({
      registry_passwords: [MASK, MASK],
      ok: ["x1"],
    });
  });
});

describe("the recorded command line", () => {
  it.each([
    ["-e", '{"ansible_become_password": "Bec\\"ome\\\\Pw5"}'],
    ["--extra-vars", 'ansible_become_password=Bec"ome\\Pw5 other=1'],
    ['--extra-vars={"db_pwd": "Bec\\"ome\\\\Pw5"}'],
    ['-e{"vault_token": "Bec\\"ome\\\\Pw5"}'],
  ])("an -e value's secret is masked, however it is written: %j", (...args) => {
    const r = new Redactor();
    const line = recordedCommand(["run", "site.yml", ...args, "-v"], r);
    expect(line).not.toMatch(/Pw5/);
    expect(line).toContain(MASK);
    expect(line).toMatch(/^kplay run site\.yml .* -v$/);
  });

  it("keeps what is not secret, masks known secrets anywhere, and an unreadable -e whole", () => {
    const r = new Redactor();
    r.add("s3cr3t-value");
    expect(recordedCommand(["run", "a b.yml", "-e", "x=1", "--limit", "s3cr3t-value"], r)).toBe(
      `kplay run 'a b.yml' -e x=1 --limit '${MASK}'`,
    );
    expect(recordedCommand(["run", "-e", '{"password": broken'], r)).toBe(`kplay run -e '${MASK}'`);
    expect(recordedCommand(["run", "-e", "@vars.yml"], r)).toBe("kplay run -e @vars.yml");
  });
});
