// `kplay report`: the commands of the run log, the last one (or the one named) as text, and as one
// self-contained HTML page rendered by headless Chromium (Debian's chromium, installed by
// .ci/prepare-host): the page shows the command, every host's lane with a bar per task, the
// failure with its output escaped and its secret masked, and loads nothing. A screenshot is kept
// in test-output/. Read-only: the state directory is byte-identical afterwards.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/kplay.js");
const dir = mkdtempSync(join(tmpdir(), "kplay-report-"));
const kplay = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });

const snapshot = (d: string) =>
  readdirSync(d, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const p = join(e.parentPath, e.name);
      return `${p} ${statSync(p).mtimeMs} ${readFileSync(p).length}`;
    })
    .sort();

describe("kplay report", () => {
  it("text, --list, --run and an HTML page Chromium renders, without writing state", () => {
    writeFileSync(
      join(dir, "inv.yml"),
      "all:\n  hosts:\n    h1: { ansible_connection: local }\n    h2: { ansible_connection: local, db_password: pw-XYZZY-42 }\n",
    );
    writeFileSync(
      join(dir, "pb.yml"),
      [
        "- hosts: all",
        "  gather_facts: false",
        "  tasks:",
        "    - command: sleep 0.2",
        `    - shell: "echo '<b>boom</b>' {{ db_password }} >&2; exit 3"`,
        '      when: inventory_hostname == "h2"',
        "",
      ].join("\n"),
    );
    // a become password given as JSON with quotes and backslashes: masked in the run log, so in every report
    const become = JSON.stringify({ round: 1, ansible_become_password: 'Bec"ome\\Pw5' });
    expect(kplay("run", "pb.yml", "-i", "inv.yml", "--state-dir", "st", "-e", become).status).toBe(1);
    expect(readFileSync(join(dir, "st", "run.log"), "utf8")).not.toMatch(/Pw5/);
    expect(kplay("run", "pb.yml", "-i", "inv.yml", "--state-dir", "st", "-e", "round=2").status).toBe(1);
    const before = snapshot(join(dir, "st"));

    const list = kplay("report", "--state-dir", "st", "--list").stdout.trim().split("\n");
    expect(list).toHaveLength(2);
    expect(list[1]).toMatch(/^ {2}2 {2}\d{4}-.*kplay run pb\.yml .* round=2$/);
    const text = kplay("report", "--state-dir", "st").stdout;
    expect(text).toMatch(/round=2 .*FAILED\)/);
    expect(text).toMatch(/h2: 2 task\(s\), 1 changed, 1 failed\n {4}FAILED "shell .*" \(pb\): non-zero return code/);
    expect(kplay("report", "--state-dir", "st", "--run", "1").stdout).toMatch(
      /"round":1,"ansible_become_password":"\*{8}"/,
    );
    expect(kplay("report", "--state-dir", "st", "--run", "3").status).toBe(2);

    const html = join(dir, "report.html");
    expect(kplay("report", "--state-dir", "st", "--html", html).status).toBe(0);
    const page = readFileSync(html, "utf8");
    expect(page).not.toMatch(/<script|https?:\/\/|pw-XYZZY-42/);
    expect(snapshot(join(dir, "st"))).toEqual(before); // read-only

    const chromium = ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,800"];
    const dom = execFileSync("chromium", [...chromium, "--dump-dom", `file://${html}`], { encoding: "utf8" });
    expect(dom).toContain("<title>kplay report: kplay run pb.yml");
    expect(dom.match(/class="lane"><div class="host">h[12]</g)).toHaveLength(2);
    expect(dom.match(/class="bar s-changed"/g)?.length).toBe(2);
    expect(dom).toContain('class="bar s-failed"');
    expect(dom).toContain("&lt;b&gt;boom&lt;/b&gt; ********");
    const out = join(ROOT, "test-output");
    mkdirSync(out, { recursive: true });
    const shot = join(out, "kplay-report.png");
    execFileSync("chromium", [...chromium, `--screenshot=${shot}`, `file://${html}`], { stdio: "ignore" });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
  }, 60_000);

  it("a node's terminal control sequences reach the terminal as text, in the run and in the report", () => {
    writeFileSync(
      join(dir, "esc.yml"),
      [
        "- hosts: h1",
        "  gather_facts: false",
        "  tasks:",
        // retitle the terminal, clear the screen, ring the bell, a raw C1 CSI
        `    - shell: printf '\\033]0;PWNED\\007\\033[2J\\302\\2332J'`,
        "      register: r",
        '    - fail: { msg: "{{ r.stdout }}" }',
        "",
      ].join("\n"),
    );
    const run = kplay("run", "esc.yml", "-i", "inv.yml", "--state-dir", "st-esc");
    expect(run.status).toBe(1);
    const report = kplay("report", "--state-dir", "st-esc").stdout;
    for (const out of [run.stdout, report]) {
      // shown escaped (JSON's \u001b in a result, \x1b elsewhere), never raw
      expect(out).toMatch(/(\\u001b|\\x1b)\]0;PWNED(\\u0007|\\x07)(\\u001b|\\x1b)\[2J\\x9b2J/);
      for (const raw of ["\x1b]", "\x07", "\x1b[2J", "\x9b"]) expect(out).not.toContain(raw);
    }
  });
});
