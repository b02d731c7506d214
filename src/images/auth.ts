// Owns registry credentials: a docker-style config.json (`auths`, as `docker login` and
// `podman login` write it), a Kubernetes pull secret (a Secret of type
// kubernetes.io/dockerconfigjson, or its .dockerconfigjson content), and credentials given on
// the command line for one registry. Lookup is by registry host; Docker Hub's historical keys
// map to docker.io. Passwords stay in memory and are never printed.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parseYamlData } from "../yaml-source.js";
import { KplayError } from "../errors.js";
import { secrets } from "../report/redact.js";
import { registryName } from "./reference.js";
import type { Credentials } from "./registry.js";

type AuthEntry = { auth?: string; username?: string; password?: string; identitytoken?: string };

/** An auths key ("https://index.docker.io/v1/", "reg.example.com:5000") as a registry name. */
const hostKey = (k: string): string => registryName(k.replace(/^https?:\/\//, "").replace(/\/.*$/, ""));

/** Credentials by host from an auth file (config.json or a pull secret, JSON or YAML). */
export function readAuthFile(file: string): Map<string, Credentials> {
  let doc: unknown;
  try {
    doc = parseYamlData(readFileSync(file, "utf8"), file);
  } catch (e) {
    throw new KplayError(
      "input",
      `not a registry auth file (docker config.json or pull secret): ${(e as Error).message.split("\n")[0]}`,
      { where: { file } },
    );
  }
  const d = doc as {
    auths?: Record<string, AuthEntry>;
    kind?: string;
    data?: Record<string, string>;
    stringData?: Record<string, string>;
  };
  let auths = d?.auths;
  if (!auths && d?.kind === "Secret") {
    const raw =
      d.data?.[".dockerconfigjson"] !== undefined
        ? Buffer.from(d.data[".dockerconfigjson"], "base64").toString("utf8")
        : d.stringData?.[".dockerconfigjson"];
    if (raw === undefined)
      throw new KplayError("input", "a Secret without .dockerconfigjson (type kubernetes.io/dockerconfigjson)", {
        where: { file, field: "data" },
      });
    auths = (JSON.parse(raw) as { auths?: Record<string, AuthEntry> }).auths;
  }
  if (!auths || typeof auths !== "object")
    throw new KplayError("input", "no auths section (expected a docker config.json or a pull secret)", {
      where: { file },
    });
  const out = new Map<string, Credentials>();
  for (const [k, v] of Object.entries(auths)) {
    let username = v.username;
    let password = v.password;
    if (v.auth) {
      const plain = Buffer.from(v.auth, "base64").toString("utf8");
      const i = plain.indexOf(":");
      if (i < 0)
        throw new KplayError("input", "an auth value that is not base64 of user:password", {
          where: { file, field: `auths.${k}.auth` },
        });
      username = plain.slice(0, i);
      password = plain.slice(i + 1);
    }
    if (username === undefined || password === undefined) continue;
    secrets.add(password); // whatever prints later (errors, events) masks it
    out.set(hostKey(k), { username, password });
  }
  return out;
}

/** The default auth file, as docker and podman look for it; undefined when there is none. */
export function defaultAuthFile(): string | undefined {
  const candidates = [
    process.env.REGISTRY_AUTH_FILE,
    process.env.DOCKER_CONFIG ? join(process.env.DOCKER_CONFIG, "config.json") : undefined,
    join(homedir(), ".docker", "config.json"),
  ];
  return candidates.find((f): f is string => !!f && existsSync(f));
}

export class CredentialStore {
  private readonly byHost = new Map<string, Credentials>();

  add(host: string, c: Credentials): void {
    this.byHost.set(hostKey(host), c);
  }

  addFile(file: string): void {
    for (const [h, c] of readAuthFile(file)) if (!this.byHost.has(h)) this.byHost.set(h, c);
  }

  get(host: string): Credentials | undefined {
    return this.byHost.get(hostKey(host));
  }

  hosts(): string[] {
    return [...this.byHost.keys()].sort();
  }
}
