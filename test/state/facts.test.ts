// Tests the fact cache (src/state/facts.ts): facts survive a new process, an unchanged set is
// not rewritten, a forgotten host has none, a corrupt file is treated as no facts.
import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FactCache } from "../../src/state/facts.js";

describe("FactCache", () => {
  it("keeps, reloads, skips unchanged writes, forgets", async () => {
    const d = join(mkdtempSync(join(tmpdir(), "kplay-facts-")), "facts");
    const c = new FactCache(d);
    expect(c.get("n1")).toBeUndefined();
    c.put("n1", { ansible_hostname: "n1" });
    const m1 = statSync(join(d, "n1.json")).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    c.put("n1", { ansible_hostname: "n1" });
    expect(statSync(join(d, "n1.json")).mtimeMs).toBe(m1);
    expect(statSync(join(d, "n1.json")).mode & 0o777).toBe(0o600);
    expect(new FactCache(d).get("n1")).toEqual({ ansible_hostname: "n1" });
    c.forget("n1");
    expect(new FactCache(d).get("n1")).toBeUndefined();
    expect(readdirSync(d)).toEqual([]);
  });

  it("a corrupt cache file counts as no facts", () => {
    const d = mkdtempSync(join(tmpdir(), "kplay-facts-"));
    writeFileSync(join(d, "n2.json"), "{not json");
    expect(new FactCache(d).get("n2")).toBeUndefined();
  });
});
