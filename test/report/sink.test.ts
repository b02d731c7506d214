// Batched event lines: one write per event-loop turn, nothing lost when the process exits
// (process.exit right after the last line, as kplay's signal handler does), file mode 0600.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { LineSink } from "../../src/report/sink.js";

describe("LineSink", () => {
  it("writes the lines of one event-loop turn in one write, in order", async () => {
    const writes: string[] = [];
    const s = new LineSink((d) => writes.push(d));
    for (let i = 0; i < 500; i++) s.write(`line ${i}\n`);
    expect(writes).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(writes).toHaveLength(1);
    expect(writes[0].split("\n").slice(0, 3)).toEqual(["line 0", "line 1", "line 2"]);
    s.write("later\n");
    s.flush();
    expect(writes).toEqual([expect.any(String), "later\n"]);
  });

  it("a file sink is 0600 and holds every line when the process exits at once", () => {
    const dir = mkdtempSync(join(tmpdir(), "kplay-sink-"));
    const file = join(dir, "run.log");
    // the compiled module (the test command builds dist/ first), in a process of its own
    const js = resolve("dist/report/sink.js");
    const code = `import { LineSink } from ${JSON.stringify(js)}; const s = LineSink.file(${JSON.stringify(file)}); for (let i = 0; i < 10000; i++) s.write("event " + i + "\\n"); process.exit(130);`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(130);
    const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
    expect(lines).toHaveLength(10000);
    expect(lines[9999]).toBe("event 9999");
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
