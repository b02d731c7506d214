// SHA-512 crypt against the specification's own vectors and glibc's crypt(3) (Python's crypt
// module gave the last two); lookup('password') and password_hash through the expression engine.
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sha512Crypt } from "../../src/playbook/crypt.js";
import { evalExpr } from "../../src/playbook/expr.js";

describe("sha512Crypt", () => {
  it("gives what the specification and glibc give", () => {
    expect(sha512Crypt("Hello world!", "saltstring")).toBe(
      "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
    );
    expect(sha512Crypt("Hello world!", "saltstringsaltstring", 10000)).toBe(
      "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.",
    );
    expect(sha512Crypt("hunter2", "saltsaltsalt")).toBe(
      "$6$saltsaltsalt$/YcSJBZ1GwOaYU2XCNxvWBX3MbYsX7qkf0.0L28t35vap3Pr7yS0JA8iUjaUrIKpD1vbB841OQkrlcX47Jjuy/",
    );
    const long = "a much longer password than sixty four bytes, to test the repeat path!!!!";
    expect(sha512Crypt(long, "0123456789abcdefXYZ", 1000)).toBe(
      "$6$rounds=1000$0123456789abcdef$DdjPUBo5ZLENgcXIKoXB4k17O9Ffq.7yjUOzWYd.NHWDXMe9JStQtw2UO8vSkxkxgZ7Tk.alHyv5mPLjpYNDo1",
    );
  });

  it("password_hash with a salt, and lookup('password') made once, stored 0600, then read back", () => {
    expect(evalExpr("'hunter2' | password_hash('sha512', 'saltsaltsalt')", {})).toBe(
      sha512Crypt("hunter2", "saltsaltsalt"),
    );
    expect(String(evalExpr("'x' | password_hash('sha512')", {}))).toMatch(/^\$6\$[./0-9A-Za-z]{16}\$/);
    const dir = mkdtempSync(join(tmpdir(), "kplay-pw-"));
    const vars = { playbook_dir: dir };
    const first = String(evalExpr("lookup('password', 'creds/db length=12 chars=digits')", vars));
    expect(first).toMatch(/^\d{12}$/);
    expect(evalExpr("lookup('password', 'creds/db length=12 chars=digits')", vars)).toBe(first);
    expect(readFileSync(join(dir, "creds/db"), "utf8")).toBe(`${first}\n`);
    expect(statSync(join(dir, "creds/db")).mode & 0o777).toBe(0o600);
    expect(String(evalExpr("lookup('password', '/dev/null')", vars))).toMatch(/^[A-Za-z0-9.,:_-]{20}$/);
  });
});
