// Edit modules work on bytes: lines they do not touch come back byte for byte, whatever the
// encoding (Latin-1, invalid UTF-8, CRLF, no final newline). Differential: the same edits by
// ansible-playbook 2.14 (local connection) on copies of the same files must leave the same bytes.
import { UndoLog } from "../../src/modules/undo.js";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findModule } from "../../src/modules/index.js";
import { LocalConnection } from "../../src/transport/local.js";

const conn = new LocalConnection("localhost");
const FILES: Record<string, Buffer> = {
  latin1: Buffer.from("caf\xe9=1\nkey=old\n\xff\xfe\x80\n", "latin1"),
  crlf: Buffer.from("a=1\r\nkey=old\r\nz=\xe9\r\n", "latin1"),
  nofinal: Buffer.from("first\nkey=old\nlast \xff", "latin1"),
};
const EDITS: Array<[string, string, Record<string, unknown>]> = [
  ["replace a line", "lineinfile", { regexp: "^key=", line: "key=new" }],
  ["append a line", "lineinfile", { line: "added=\u00e9" }],
  ["remove a line", "lineinfile", { regexp: "^key=", state: "absent" }],
  ["insert a block", "blockinfile", { block: "b=1", insertafter: "^key=" }],
  ["replace text", "replace", { regexp: "old", replace: "n\u00e9w" }],
];

async function kplay(module: string, path: string, args: Record<string, unknown>): Promise<void> {
  const mod = findModule(module)!;
  const r = await mod.run(
    {
      host: "localhost",
      check: false,
      diff: false,
      undo: new UndoLog(false),
      vars: {},
      exec: (s, o) => conn.exec(s, { stdin: o?.stdin }),
      readLocal: () => Buffer.alloc(0),
      localPath: (p) => p,
      renderFile: (t) => t,
    },
    mod.schema.parse({ path, ...args }),
  );
  expect(r.failed ?? false, JSON.stringify(r)).toBe(false);
}

function hasAnsible(): boolean {
  try {
    execFileSync("ansible-playbook", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("edits keep bytes", () => {
  const dir = mkdtempSync(join(tmpdir(), "kplay-bytes-"));
  const cases = Object.keys(FILES).flatMap((f) =>
    EDITS.map(([what, mod, args], i) => ({ id: `${f}-${i}`, file: f, what, mod, args })),
  );

  it("kplay leaves every untouched byte as it was", async () => {
    for (const c of cases) {
      const p = join(dir, `k-${c.id}`);
      writeFileSync(p, FILES[c.file]);
      await kplay(c.mod, p, c.args);
      const after = readFileSync(p);
      // the invalid or Latin-1 bytes survive (no U+FFFD anywhere)
      expect(after.includes(Buffer.from("\ufffd")), `${c.id} ${c.what}`).toBe(false);
      for (const keep of [Buffer.from([0xff]), Buffer.from("\r\n")])
        if (FILES[c.file].includes(keep) && !(c.what === "remove a line" && keep.equals(Buffer.from("\r\n"))))
          expect(after.includes(keep), `${c.id}`).toBe(true);
    }
  });

  it.skipIf(!hasAnsible())(
    "kplay's bytes equal ansible-playbook's for the same edits",
    async () => {
      const tasks: string[] = [];
      for (const c of cases) {
        const k = join(dir, `d-k-${c.id}`);
        const a = join(dir, `d-a-${c.id}`);
        writeFileSync(k, FILES[c.file]);
        copyFileSync(k, a);
        await kplay(c.mod, k, c.args);
        tasks.push(`    - ${c.mod}: ${JSON.stringify({ path: a, ...c.args })}`);
      }
      const pb = join(dir, "pb.yml");
      writeFileSync(
        pb,
        `- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n${tasks.join("\n")}\n`,
      );
      execFileSync("ansible-playbook", ["-i", "localhost,", pb], {
        env: { ...process.env, ANSIBLE_NOCOLOR: "1", ANSIBLE_LOCALHOST_WARNING: "0" },
        stdio: "pipe",
      });
      const differ = cases.filter(
        (c) => !readFileSync(join(dir, `d-k-${c.id}`)).equals(readFileSync(join(dir, `d-a-${c.id}`))),
      );
      expect(
        differ.map(
          (c) =>
            `${c.id} (${c.what}): kplay ${JSON.stringify(readFileSync(join(dir, `d-k-${c.id}`)).toString("latin1"))} ansible ${JSON.stringify(readFileSync(join(dir, `d-a-${c.id}`)).toString("latin1"))}`,
        ),
      ).toEqual([]);
    },
    60_000,
  );
});
