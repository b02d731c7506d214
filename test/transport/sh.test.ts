// The quoting builder: every interpolation is one literal word for a real sh, an interpolation
// inside quotes is refused, secrets mark the script, and the source tree keeps to the rule that
// node scripts are built only here (no quote()/string concatenation in modules or transport,
// raw() only with string literals).
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { joinSh, secret, sh, shVar } from "../../src/transport/sh.js";

const ROOT = join(import.meta.dirname, "../..");
const HOSTILE = [
  "",
  "plain",
  "it's",
  `"d"`,
  "$(touch /tmp/x)",
  "`id`",
  "a\nb",
  "a;b",
  "*",
  "-n",
  "--reference=/etc",
  "é",
  Buffer.from([0xff, 0xfe, 0x80]).toString("latin1"),
  "$HOME",
  "a b",
  "\\",
];

describe("sh", () => {
  it.each(HOSTILE)("sh sees %j as one unchanged word", (v) => {
    const out = execFileSync("/bin/sh", ["-c", sh`printf '%s\\0' ${v}`.text]);
    expect(out.toString("latin1")).toBe(Buffer.from(v + "\0", "utf8").toString("latin1"));
  });

  it("a list becomes one word per element", () => {
    const out = execFileSync("/bin/sh", ["-c", sh`printf '[%s]' ${HOSTILE}`.text]).toString();
    expect(out).toBe(HOSTILE.map((v) => `[${v}]`).join(""));
  });

  it("splices fragments it built, inside $( ) too", () => {
    const inner = sh`echo ${"a b"}`;
    expect(sh`x=$(${inner}); y="$(id -un ${"u"})"`.text).toBe(`x=$(echo 'a b'); y="$(id -un u)"`);
  });

  it.each([
    ["double quotes", () => sh`echo "${"x"}"`],
    ["single quotes", () => sh`echo '${"x"}'`],
    ["backticks", () => sh`echo \`${"x"}\``],
    ["a fragment in double quotes", () => sh`echo "a ${sh`b`}"`],
    ["a here-document body", () => sh`cat <<EOF\nx ${"$(id)"}\nEOF`],
    ["a quoted here-document body", () => sh`cat <<-'EOF' > f\n\t${"x"}\n\tEOF`],
    ["a word after a backslash", () => sh`echo \\${"x"}`],
    ["single quotes after a comment holding a quote", () => sh`# don't\necho '${"x"}'`],
    ["a comment", () => sh`echo a # note ${"x"}`],
    ["arithmetic", () => sh`echo $(( ${"1+1"} ))`],
    ["an array assignment", () => sh`a=( ${"x"} )`],
  ])("refuses an interpolation inside %s", (_n, f) => {
    expect(f).toThrow(/interpolation inside/);
  });

  it("takes a word again where those contexts end", () => {
    expect(sh`cat <<'E'\nbody 'x\nE\necho ${"a b"}`.text).toBe(`cat <<'E'\nbody 'x\nE\necho 'a b'`);
    expect(sh`# it's fine\necho ${"a b"}`.text).toBe(`# it's fine\necho 'a b'`);
    expect(sh`x=$((1 << 2)); echo ${"a"} $(( n + ${5} )); echo \${#v} ${"b"}`.text).toBe(
      "x=$((1 << 2)); echo a $(( n + 5 )); echo ${#v} b",
    );
  });

  it("refuses NUL and values it cannot quote", () => {
    expect(() => sh`echo ${"a\0b"}`).toThrow(/NUL/);
    expect(() => sh`echo ${undefined as unknown as string}`).toThrow(/cannot interpolate/);
  });

  it("a secret marks every script it reaches, and never prints as itself", () => {
    const s = secret("hunter2");
    expect(String(s)).toBe("********");
    const script = joinSh([sh`a=1`, sh`{ ${sh`p=${s}`}; }`]);
    expect(script.secret).toBe(true);
    expect(sh`b=${"x"}`.secret).toBe(false);
  });

  it("variable names are checked", () => {
    expect(sh`${shVar("t_1")}=1`.text).toBe("t_1=1");
    expect(() => shVar("a;b")).toThrow(/not a variable name/);
  });
});

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

describe("node scripts are built only by the builder (source rules)", () => {
  const files = [...sources("src/modules"), ...sources("src/transport"), ...sources("src/engine")].filter(
    (f) => !f.endsWith("transport/sh.ts"),
  );
  const text = (f: string) => readFileSync(join(ROOT, f), "utf8");

  it("no module, transport or engine file quotes by hand or joins shell lines", () => {
    const offenders: string[] = [];
    for (const f of files) {
      const src = text(f);
      if (/\bquote\(|shellJoin|quoteWord\(/.test(src) && !f.endsWith("transport/quote.ts"))
        offenders.push(`${f}: quotes by hand`);
      if (/\]\s*\.join\(\s*"\\n"\s*\)/.test(src) && /exec\(|Sh\b/.test(src))
        offenders.push(`${f}: joins lines with .join("\\n")`);
    }
    expect(offenders).toEqual([]);
  });

  it("raw() takes only string literals without interpolation", () => {
    const offenders: string[] = [];
    for (const f of [...files, ...sources("src/cli")]) {
      const src = text(f);
      for (const m of src.matchAll(/\braw\(/g)) {
        const rest = src.slice(m.index! + 4);
        // one literal, or literals joined by + (a long line split in the source)
        const lit = /(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|(?:String\.raw)?`(?:[^`\\$]|\\.|\$(?!\{))*`)/.source;
        const literal = new RegExp(`^\\s*${lit}(?:\\s*\\+\\s*${lit})*\\s*[),]`).exec(rest);
        if (!literal) offenders.push(`${relative(ROOT, join(ROOT, f))}:${src.slice(0, m.index).split("\n").length}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
