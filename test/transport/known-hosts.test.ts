// Host keys: a known host presenting a key of another type is refused like a changed key (as
// OpenSSH does), even with --accept-new-host-keys; known_hosts is written 0600.
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ssh2 from "ssh2";
import { describe, expect, it } from "vitest";
import { KnownHosts } from "../../src/transport/known-hosts.js";

const blob = (type: "ed25519" | "ecdsa") => {
  const k =
    type === "ecdsa"
      ? ssh2.utils.generateKeyPairSync("ecdsa", { bits: 256 })
      : ssh2.utils.generateKeyPairSync("ed25519");
  return ssh2.utils.parseKey(k.public) as unknown as { getPublicSSH(): Buffer };
};

describe("KnownHosts", () => {
  it("refuses a known host's key of another type, accepts a new host, matches a known key", () => {
    const file = join(mkdtempSync(join(tmpdir(), "kplay-kh-")), "known_hosts");
    const kh = new KnownHosts(file, true);
    const ed = blob("ed25519").getPublicSSH();
    const ec = blob("ecdsa").getPublicSSH();
    expect(kh.check("10.0.0.1", 22, ed)).toEqual({ status: "unknown" });
    kh.add("10.0.0.1", 22, ed);
    expect(kh.check("10.0.0.1", 22, ed)).toEqual({ status: "match" });
    expect(kh.check("10.0.0.1", 22, ec).status).toBe("changed");
    expect(kh.knownTypes("10.0.0.1", 22)).toEqual(["ssh-ed25519"]);
    expect(new KnownHosts(file, true).check("10.0.0.1", 22, ec).status).toBe("changed");
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
