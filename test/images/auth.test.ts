// Registry credentials from docker's config.json and from Kubernetes pull secrets, by host.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CredentialStore, readAuthFile } from "../../src/images/auth.js";
import { KplayError } from "../../src/errors.js";

const d = mkdtempSync(join(tmpdir(), "kplay-auth-"));
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("registry auth files", () => {
  it("reads docker's config.json: auth (user:password with a colon in the password), username/password, Docker Hub's old key", () => {
    const f = join(d, "config.json");
    writeFileSync(
      f,
      JSON.stringify({
        auths: {
          "https://index.docker.io/v1/": { auth: b64("hubuser:pa:ss") },
          "reg.example.com:5000": { username: "u", password: "p" },
          "empty.example.com": {},
        },
      }),
    );
    const m = readAuthFile(f);
    expect(m.get("docker.io")).toEqual({ username: "hubuser", password: "pa:ss" });
    expect(m.get("reg.example.com:5000")).toEqual({ username: "u", password: "p" });
    expect(m.has("empty.example.com")).toBe(false);
  });

  it("reads a pull secret (Secret of type dockerconfigjson, YAML) and lets flags win over files", () => {
    const f = join(d, "secret.yaml");
    writeFileSync(
      f,
      `apiVersion: v1\nkind: Secret\ntype: kubernetes.io/dockerconfigjson\nmetadata:\n  name: pull\ndata:\n  .dockerconfigjson: ${b64(JSON.stringify({ auths: { "harbor.example.com": { auth: b64("robot$ci:tok") } } }))}\n`,
    );
    const s = new CredentialStore();
    s.add("harbor.example.com", { username: "flag", password: "given" });
    s.addFile(f);
    expect(s.get("harbor.example.com")).toEqual({ username: "flag", password: "given" });
    const t = new CredentialStore();
    t.addFile(f);
    expect(t.get("harbor.example.com")).toEqual({ username: "robot$ci", password: "tok" });
  });

  it("a file that is neither is an input error naming it, without its content", () => {
    const f = join(d, "bad.json");
    writeFileSync(f, JSON.stringify({ notauths: { secretvalue: 1 } }));
    let e: unknown;
    try {
      readAuthFile(f);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(KplayError);
    expect((e as KplayError).exitCode).toBe(2);
    expect((e as KplayError).describe()).toContain("bad.json");
    expect((e as KplayError).describe()).not.toContain("secretvalue");
  });
});
