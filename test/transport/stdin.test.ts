// Data sent on stdin is used only when it arrived whole: a real sh receives it, checked
// against the controller's sha256.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sh } from "../../src/transport/sh.js";
import { INCOMPLETE, receiveStdin } from "../../src/transport/stdin.js";
import { sha256Hex as sha256 } from "../../src/hash.js";

describe("receiveStdin", () => {
  const data = Buffer.from("a=1\nb=2\n".repeat(1000));
  const run = (input: Buffer) => {
    const f = join(mkdtempSync(join(tmpdir(), "kplay-stdin-")), "f");
    const r = spawnSync("/bin/sh", ["-c", `${receiveStdin(sh`${f}`, sha256(data))}; echo placed`], { input });
    return { r, f };
  };

  it("places data that arrived whole", () => {
    const { r, f } = run(data);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe("placed\n");
    expect(readFileSync(f)).toEqual(data);
  });

  it.each([
    ["cut in the middle", data.subarray(0, 4000)],
    ["nothing at all", Buffer.alloc(0)],
  ])("refuses data %s and leaves no file", (_n, cut) => {
    const { r, f } = run(cut);
    expect(r.status).toBe(1);
    expect(r.stdout.toString()).toBe("");
    expect(r.stderr.toString().trim()).toBe(INCOMPLETE);
    expect(existsSync(f)).toBe(false);
  });
});
