// The shared quoting helper: whatever the value, sh receives it as exactly one word.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { quote } from "../../src/transport/quote.js";
import { sh } from "../../src/transport/sh.js";

const nasty = [
  "",
  "plain",
  "with space",
  "it's",
  `"double"`,
  "$(rm -rf /)",
  "`id`",
  "a\nb",
  "semi;colon",
  "*",
  "~",
  "back\\slash",
  "'",
  "''",
  "-n",
  "é ünïcode",
  "tab\there",
  "$HOME",
  "!bang",
];

describe("quote", () => {
  it.each(nasty)("sh sees %j as one unchanged argument", (v) => {
    const out = execFileSync("/bin/sh", ["-c", `printf '%s\\0' ${quote(v)}`]);
    expect(out.toString()).toBe(v + "\0");
  });

  it("joins argv", () => {
    const out = execFileSync("/bin/sh", ["-c", sh`printf '[%s]' ${nasty}`.text]).toString();
    expect(out).toBe(nasty.map((v) => `[${v}]`).join(""));
  });

  it("refuses NUL", () => {
    expect(() => quote("a\0b")).toThrow(/NUL/);
  });
});
