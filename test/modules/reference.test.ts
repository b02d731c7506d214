// The module reference is generated from the modules themselves: the committed page must be what
// the code says now (run `npm run docs` after changing a module's arguments).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { moduleReference, typeWords } from "../../src/modules/reference.js";
import { userModuleNames } from "../../src/modules/index.js";

describe("docs/reference/modules.md", () => {
  it("is what the modules declare now (npm run docs rewrites it)", () => {
    const page = readFileSync(new URL("../../docs/reference/modules.md", import.meta.url), "utf8");
    expect(page, "docs/reference/modules.md is stale: run npm run docs").toBe(moduleReference());
  });

  it("names every module a playbook may use, with its arguments, aliases and Ansible's missing options", () => {
    const page = moduleReference();
    for (const n of userModuleNames()) expect(page).toContain(`\n## ${n}\n`);
    expect(page).toMatch(/\| `path` \| str \| {2}\| `dest`, `destfile`, `name` \|/); // lineinfile's aliases
    expect(page).toMatch(/\| `state` \| one of: present, installed, absent, removed, latest \| `"present"` \|/);
    expect(page).toMatch(/## apt\n[\s\S]*?does not implement[^\n]*`autoremove`/);
  });

  it("says types in Ansible's words", () => {
    expect(typeWords(z.number().int().optional())).toBe("int");
    expect(typeWords(z.union([z.string(), z.array(z.string())]))).toBe("str or list of str");
    expect(typeWords(z.boolean().default(false))).toBe("bool");
    expect(typeWords(z.record(z.string(), z.unknown()))).toBe("dict");
  });
});
