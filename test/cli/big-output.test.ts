// Output is bounded: a task printing 50 MB keeps its first and last 256 KiB (the result says it
// was cut and how big it was), the journal and run log stay small, and fetch streams a 50 MB
// file to disk byte for byte. Local connection, the built CLI (npm test builds first).
// The 1 GB figures and the controller's peak memory are measured by the benchmark (bench/).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const BIN = join(import.meta.dirname, "../../bin/kplay.js");
const dir = mkdtempSync(join(tmpdir(), "kplay-big-"));

function files(d: string): string[] {
  return readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? files(join(d, f)) : [join(d, f)]));
}

describe("bounded output", () => {
  it("a 50 MB output is cut to its ends and said so; state stays small; fetch streams 50 MB exactly", () => {
    const big = join(dir, "big.bin");
    const data = Buffer.alloc(50 * 1024 * 1024);
    for (let i = 0; i < data.length; i += 4096) data.writeUInt32LE(i, i);
    writeFileSync(big, data);
    writeFileSync(join(dir, "inv.yml"), "all:\n  hosts:\n    h1: { ansible_connection: local }\n");
    writeFileSync(
      join(dir, "pb.yml"),
      `- hosts: all
  gather_facts: false
  tasks:
    - shell: "echo FIRST; head -c 52428800 /dev/zero | tr '\\\\0' a; echo; echo LAST"
      register: r
    - copy: { dest: "${dir}/seen.txt", content: "{{ r.output_truncated }} {{ r.stdout_bytes }} {{ r.stdout | length }} {{ r.stdout_lines | first }} {{ r.stdout_lines | last }}" }
    - fetch: { src: "${big}", dest: "${dir}/fetched/", flat: true }
`,
    );
    const sd = join(dir, "state");
    const r = spawnSync(process.execPath, [BIN, "run", "pb.yml", "-i", "inv.yml", "--state-dir", sd, "--json"], {
      cwd: dir,
      encoding: "utf8",
      maxBuffer: 64 << 20,
    });
    expect(r.status, r.stderr + r.stdout.slice(-2000)).toBe(0);
    const [truncated, bytes, len, first, last] = readFileSync(join(dir, "seen.txt"), "utf8").split(" ");
    expect({ truncated, bytes: Number(bytes), first, last }).toEqual({
      truncated: "True", // a boolean prints into a string as Ansible prints it
      bytes: 52428800 + 12,
      first: "FIRST",
      last: "LAST",
    });
    expect(Number(len)).toBeLessThan(600 * 1024);
    for (const f of files(sd)) expect(statSync(f).size, f).toBeLessThan(4 * 1024 * 1024);
    expect(r.stdout.length).toBeLessThan(4 * 1024 * 1024);
    const fetched = readFileSync(join(dir, "fetched", "big.bin"));
    expect(createHash("sha256").update(fetched).digest("hex")).toBe(createHash("sha256").update(data).digest("hex"));
  }, 120_000);
});
