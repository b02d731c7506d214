// Every playbook kplay ships (the cluster steps, day-two playbooks, examples) and the integration
// tests' own fixtures pass `run --syntax-check`: what kplay checks before a run holds for its own
// input, found here in seconds instead of by a failed deploy on real nodes.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/kplay.js");
const yml = (dir: string) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith(".yml"))
    .map((f) => join(dir, f));
const PLAYBOOKS = [...yml("playbooks"), ...yml("playbooks/examples"), ...yml("test/fixtures/playbooks")];

// the cluster's groups, hosts never reached (--syntax-check connects nowhere)
const INVENTORY = `all:
  hosts:
    bootstrap: { ansible_host: 127.0.0.1, ansible_port: 1, ip: 10.0.0.10 }
    node1: { ansible_host: 127.0.0.1, ansible_port: 1, ip: 10.0.0.11 }
  children:
    bootstrap: { hosts: { bootstrap: {} } }
    kube_control_plane: { hosts: { node1: {} } }
    kube_node: { hosts: { node1: {} } }
    etcd: { hosts: { node1: {} } }
    k8s_cluster: { children: { kube_control_plane: {}, kube_node: {} } }
`;

function syntaxCheck(playbook: string, inv: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [BIN, "run", join(ROOT, playbook), "-i", inv, "--syntax-check"], {
      env: { ...process.env, NO_COLOR: "1" },
    });
    let stderr = "";
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    p.on("close", (code) => done({ code, stderr }));
  });
}

describe("kplay's own playbooks", () => {
  it.concurrent.each(PLAYBOOKS)("%s passes --syntax-check", async (playbook) => {
    const dir = mkdtempSync(join(tmpdir(), "kplay-shipped-"));
    writeFileSync(join(dir, "inv.yml"), INVENTORY);
    const r = await syntaxCheck(playbook, join(dir, "inv.yml"));
    expect(r.stderr.split("\n").filter((l) => l.startsWith("kplay: error"))).toEqual([]);
    expect(r.code).toBe(0);
  });
});
