// kplay backup / restore-state: the archive holds exactly the irreplaceable files with their
// bytes and modes, is a tar that system tar reads, is 0600; restore checks every member before it
// writes anything, refuses unsafe paths and never silently replaces a file that differs. Runs
// the built CLI (npm test builds first) and the module.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { beforeEach, describe, expect, it } from "vitest";
import { MAX_ARCHIVE_BYTES, readBackup, restoreBackup, writeBackup } from "../../src/state/backup.js";

const BIN = join(import.meta.dirname, "../../bin/kplay.js");
const kplay = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });

let root: string;
let state: string;
let config: string;
const put = (rel: string, data: string | Buffer, mode = 0o600) => {
  const f = join(state, rel);
  mkdirSync(join(f, ".."), { recursive: true, mode: 0o700 });
  writeFileSync(f, data);
  chmodSync(f, mode);
};
/** Every file under dir: relative path, mode and sha256. */
function tree(dir: string, rel = ""): string[] {
  return readdirSync(join(dir, rel))
    .sort()
    .flatMap((n) => {
      const r = rel ? `${rel}/${n}` : n;
      const st = statSync(join(dir, r));
      if (st.isDirectory()) return [`${r}/ ${(st.mode & 0o777).toString(8)}`, ...tree(dir, r)];
      const sum = createHash("sha256")
        .update(readFileSync(join(dir, r)))
        .digest("hex");
      return [`${r} ${(st.mode & 0o777).toString(8)} ${sum}`];
    });
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "kplay-backup-"));
  state = join(root, "site", ".kplay");
  mkdirSync(state, { recursive: true, mode: 0o700 });
  config = join(root, "site", "config.yaml");
  writeFileSync(config, "nodes: []\n", { mode: 0o640 });
  put("pki/ca.key", "-----BEGIN PRIVATE KEY-----\nsecret\n");
  put("pki/ca.crt", "-----BEGIN CERTIFICATE-----\n", 0o644);
  put("pki/etcd/member-node1.key", Buffer.from([0, 1, 2, 255, 254]));
  put("journal.jsonl", '{"t":"step_done"}\n');
  put("runs/hello-0123456789/journal.jsonl", '{"t":"task"}\n');
  put("facts/node1.json", "{}\n");
  put("known_hosts", "[10.0.0.1]:22 ssh-ed25519 AAAA\n", 0o644);
  // not state to keep: the lock, the run log, etcd snapshots, a temp file
  // a lock left by a dead process on this host: taken over (with a warning), never packed
  put("lock", JSON.stringify({ pid: 2 ** 22 + 1, host: hostname(), started: "2026-01-01T00:00:00Z", command: "x" }));
  put("run.log", "x\n");
  put("backups/etcd/etcd-1.db", "snapshot");
  put(".journal.jsonl.123.tmp", "half");
});

describe("kplay backup", () => {
  it("packs the state's files and the config, 0600, listed by tar with MANIFEST.json first", () => {
    const out = join(root, "b", "state.tgz");
    // --out's directory must exist (never made): a typo in it is said, not followed
    expect(kplay(root, "backup", "-c", config, "--out", out).stderr).toMatch(/the directory \S+\/b does not exist/);
    mkdirSync(join(root, "b"));
    const r = kplay(root, "backup", "-c", config, "--out", out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/state\.tgz \(0600\): 8 file\(s\)/);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const listed = execFileSync("tar", ["tzf", out], { encoding: "utf8" }).trim().split("\n");
    expect(listed).toEqual([
      "MANIFEST.json",
      "state/facts/node1.json",
      "state/journal.jsonl",
      "state/known_hosts",
      "state/pki/ca.crt",
      "state/pki/ca.key",
      "state/pki/etcd/member-node1.key",
      "state/runs/hello-0123456789/journal.jsonl",
      "config/config.yaml",
    ]);
    // system tar extracts the same bytes
    const x = join(root, "x");
    mkdirSync(x);
    execFileSync("tar", ["xzf", out, "-C", x]);
    expect(readFileSync(join(x, "state/pki/etcd/member-node1.key"))).toEqual(Buffer.from([0, 1, 2, 255, 254]));
    const manifest = JSON.parse(readFileSync(join(x, "MANIFEST.json"), "utf8"));
    expect(manifest.entries.find((e: { path: string }) => e.path === "state/pki/ca.key").mode).toBe(0o600);
    expect(manifest.entries.find((e: { path: string }) => e.path === "config/config.yaml").mode).toBe(0o640);
  });

  it("restore-state on a new controller: every file, byte and mode, the config beside its state", () => {
    const out = join(root, "state.tgz");
    expect(kplay(root, "backup", "-c", config, "--out", out).status).toBe(0);
    const fresh = join(root, "new-controller", "config.yaml");
    mkdirSync(join(root, "new-controller"));
    const r = kplay(root, "restore-state", out, "-c", fresh);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/8 file\(s\) written, 0 already the same/);
    const restored = join(root, "new-controller", ".kplay");
    const kept = tree(state).filter((l) => !/^(lock|run\.log|backups|\.journal)/.test(l));
    expect(tree(restored)).toEqual(kept);
    expect(statSync(restored).mode & 0o777).toBe(0o700);
    expect(readFileSync(fresh, "utf8")).toBe("nodes: []\n");
    expect(statSync(fresh).mode & 0o777).toBe(0o640);
    // again: nothing differs, nothing written
    expect(kplay(root, "restore-state", out, "-c", fresh).stdout).toMatch(/0 file\(s\) written, 8 already the same/);
  });

  it("a file that exists with other contents is not replaced without --force", () => {
    const out = join(root, "state.tgz");
    expect(kplay(root, "backup", "-c", config, "--state-dir", state, "--out", out).status).toBe(0);
    const other = join(root, "other");
    mkdirSync(join(other, "pki"), { recursive: true });
    writeFileSync(join(other, "pki", "ca.key"), "another CA key\n");
    const refused = kplay(root, "restore-state", out, "--state-dir", other);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/1 file\(s\) exist with other contents: .*pki\/ca\.key/);
    expect(readdirSync(other)).toEqual(["pki"]);
    const forced = kplay(root, "restore-state", out, "--state-dir", other, "--force");
    expect(forced.status, forced.stderr).toBe(0);
    expect(readFileSync(join(other, "pki", "ca.key"), "utf8")).toBe("-----BEGIN PRIVATE KEY-----\nsecret\n");
    expect(forced.stderr).toMatch(/config\.yaml was not restored/);
  });
});

describe("a damaged or hostile archive writes nothing", () => {
  function archive(): { file: string; tar: Buffer } {
    const file = join(root, "state.tgz");
    writeBackup({ stateDir: state, out: file, kplay: "test" });
    return { file, tar: gunzipSync(readFileSync(file)) };
  }

  it("one changed byte in a member: refused by its sha256", () => {
    const { file, tar } = archive();
    const at = tar.indexOf("secret");
    tar[at] = "S".charCodeAt(0);
    writeFileSync(file, gzipSync(tar));
    const target = join(root, "t");
    expect(() => restoreBackup(file, { stateDir: target, force: false })).toThrow(
      /state\/pki\/ca\.key does not match its sha256/,
    );
    expect(existsSync(target)).toBe(false);
    const r = kplay(root, "restore-state", file, "--state-dir", join(root, "t2"));
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(/internal error|at .*\.js/);
  });

  it("a manifest naming a path outside the state directory is refused", () => {
    const { file, tar } = archive();
    const text = tar.toString("latin1").replace('"path": "state/known_hosts"', '"path": "state/../../hosts"');
    writeFileSync(file, gzipSync(Buffer.from(text, "latin1")));
    expect(() => readBackup(file)).toThrow(/unsafe entry state\/..\/..\/hosts/);
  });

  it("not an archive at all", () => {
    const file = join(root, "junk.tgz");
    writeFileSync(file, "hello");
    expect(() => readBackup(file)).toThrow(/not a usable kplay state backup/);
  });

  it("a member whose size is negative or garbled is refused, not walked for ever", () => {
    for (const size of ["-1000", "12x4", ""]) {
      const { file, tar } = archive();
      // the second member's header (the first after MANIFEST.json)
      const second = 512 + Math.ceil(parseInt(tar.toString("ascii", 124, 135), 8) / 512) * 512;
      tar.write(size.padEnd(11, "\0") + "\0", second + 124, 12, "ascii");
      writeFileSync(file, gzipSync(tar));
      expect(() => readBackup(file)).toThrow(/has no valid size/);
    }
  });

  it("an archive that inflates past the limit (a gzip bomb) is refused within the limit's memory", () => {
    const file = join(root, "bomb.tgz");
    writeFileSync(file, gzipSync(Buffer.alloc(MAX_ARCHIVE_BYTES + 1024 * 1024), { level: 9 }));
    expect(() => readBackup(file)).toThrow(/not a usable kplay state backup: it inflates to more than 256 MiB/);
  });

  it("restores never open modes up: no write for others, private keys 0600", () => {
    const { file, tar } = archive();
    const text = tar
      .toString("latin1")
      .replace(/("path": "state\/pki\/ca\.key",\s*"mode": )384/, "$1438")
      .replace(/("path": "state\/known_hosts",\s*"mode": )420/, "$1511");
    expect(text).toContain('"mode": 438');
    expect(text).toContain('"mode": 511');
    writeFileSync(file, gzipSync(Buffer.from(text, "latin1")));
    const target = join(root, "modes");
    restoreBackup(file, { stateDir: target, force: false });
    expect(statSync(join(target, "pki", "ca.key")).mode & 0o777).toBe(0o600);
    expect(statSync(join(target, "known_hosts")).mode & 0o777).toBe(0o755);
  });
});
