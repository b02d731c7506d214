// The OS family a node's facts name decides what playbooks read from `kplay_os`.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { osFacts, osFamily } from "../../src/os/family.js";

describe("OS families", () => {
  it("Debian: apt, update-ca-certificates, chrony", () => {
    expect(osFacts("Debian")).toMatchObject({
      supported: true,
      repo: "apt",
      ca_trust_file: "/usr/local/share/ca-certificates/kplay-ca.crt",
      chrony_service: "chrony",
      chrony_options_var: "DAEMON_OPTS",
    });
  });

  it("RedHat: rpm, ca-trust anchors, chronyd", () => {
    expect(osFacts("RedHat")).toMatchObject({
      supported: true,
      repo: "rpm",
      ca_trust_update: "update-ca-trust extract",
      chrony_service: "chronyd",
    });
  });

  it("an unknown family is unsupported, naming the ones that are", () => {
    expect(osFamily("Suse")).toBeUndefined();
    expect(osFacts("Suse")).toEqual({ supported: false, family: "Suse", supported_families: ["Debian", "RedHat"] });
  });

  it("the shipped playbooks ask kplay_os instead of branching on the family", () => {
    const files = ["playbooks", "playbooks/tasks"].flatMap((d) =>
      readdirSync(d)
        .filter((f) => f.endsWith(".yml"))
        .map((f) => join(d, f)),
    );
    const branches = files.flatMap((f) =>
      readFileSync(f, "utf8")
        .split("\n")
        .filter((l) => /when:.*(ansible_os_family|ansible_distribution\b)/.test(l))
        .map((l) => `${f}: ${l.trim()}`),
    );
    expect(branches).toEqual([]);
  });
});
