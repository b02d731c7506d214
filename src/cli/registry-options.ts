// Owns the command-line options every registry-talking command shares (images mirror/push,
// bundle build/publish): a positive whole number, credentials (--username with
// --password-stdin, or an auth file), extra CAs, plain-HTTP hosts, and the registry client made
// from them. A password read here joins the process's secrets, so no output ever shows it.
import type { TransferMeter } from "../report/transfers.js";
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { KplayError } from "../errors.js";
import { CredentialStore, defaultAuthFile } from "../images/auth.js";
import { RegistryClient } from "../images/registry.js";
import { secrets } from "../report/redact.js";

/** The options of the image and bundle commands (images mirror/push, bundle build/publish). */
export const OPTIONS = {
  images: { type: "string" },
  mapping: { type: "string" },
  project: { type: "string" },
  "keep-registry-path": { type: "boolean" },
  platform: { type: "string", multiple: true },
  concurrency: { type: "string" },
  "chunk-size": { type: "string" },
  "auth-file": { type: "string" },
  username: { type: "string" },
  "password-stdin": { type: "boolean" },
  "ca-file": { type: "string", multiple: true },
  "plain-http": { type: "string", multiple: true },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export type Values = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K] extends { multiple: true }
    ? string[]
    : (typeof OPTIONS)[K]["type"] extends "boolean"
      ? boolean
      : string;
};

/** The registry flags a command may have. */
export interface RegistryFlags {
  username?: string;
  "password-stdin"?: boolean;
  "auth-file"?: string;
  "ca-file"?: string[];
  "plain-http"?: string[];
  "chunk-size"?: string;
}

export function positiveInt(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new KplayError("usage", `--${name} takes a positive whole number, got ${JSON.stringify(v)}`);
  return n;
}

/** Credentials: --username with --password-stdin for `target`, then the auth file (given or docker's default). */
export function credentialStore(v: RegistryFlags, target?: string, extraAuthFile?: string): CredentialStore {
  const creds = new CredentialStore();
  if (v.username !== undefined) {
    if (!target) throw new KplayError("usage", "--username applies to a target registry (--to or --registry)");
    if (!v["password-stdin"])
      throw new KplayError(
        "usage",
        "--username needs --password-stdin (a password on the command line would show in the process list)",
      );
    const password = readFileSync(0, "utf8").replace(/\r?\n$/, "");
    if (!password) throw new KplayError("usage", "--password-stdin: standard input was empty");
    secrets.add(password);
    creds.add(target, { username: v.username, password });
  } else if (v["password-stdin"]) throw new KplayError("usage", "--password-stdin needs --username");
  const authFile = v["auth-file"] ?? defaultAuthFile();
  if (authFile) creds.addFile(authFile);
  if (extraAuthFile) creds.addFile(extraAuthFile);
  return creds;
}

/** The --ca-file certificates; one that cannot be read or is no PEM certificate is an input error naming it. */
export function caFiles(files: string[] | undefined): Buffer[] {
  return (files ?? []).map((f) => {
    let pem: Buffer;
    try {
      pem = readFileSync(f);
    } catch {
      throw new KplayError("input", "cannot read the CA certificate", { where: { file: f } });
    }
    checkPemCertificate(pem, f);
    return pem;
  });
}

/** Each certificate block of a PEM file parses; a file without one is refused before any connection. */
function checkPemCertificate(pem: Buffer, file: string): void {
  const blocks = pem.toString("latin1").match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  const bad = blocks.findIndex((b) => {
    try {
      new X509Certificate(b);
      return false;
    } catch {
      return true;
    }
  });
  if (blocks.length === 0 || bad >= 0)
    throw new KplayError(
      "input",
      blocks.length === 0
        ? "not a PEM certificate (no BEGIN CERTIFICATE block)"
        : `certificate ${bad + 1} cannot be read`,
      { where: { file }, hint: "give the CA certificate in PEM form (the registry's ca.crt)" },
    );
}

/** A registry client from the shared options (credentials, CAs, plain-HTTP hosts, chunk size). */
export async function registryClient(
  v: RegistryFlags,
  target?: string,
  o: { meter?: TransferMeter; state?: StateRegistryAccess } = {},
): Promise<RegistryClient> {
  const creds = credentialStore(v, target, o.state?.authFile);
  const ca = caFiles([...(v["ca-file"] ?? []), ...(o.state?.caFile ? [o.state.caFile] : [])]);
  const meter = o.meter;
  const plain = new Set((v["plain-http"] ?? []).map((h) => h.toLowerCase()));
  return new RegistryClient({
    ca,
    credentials: (h) => creds.get(h),
    plainHttp: (h) => plain.has(h.toLowerCase()),
    chunkSize: positiveInt(v["chunk-size"], "chunk-size", 8 << 20),
    meter,
  });
}

/** What a cluster's state directory gives a registry client: the push credentials and the cluster CA. */
export interface StateRegistryAccess {
  authFile?: string;
  caFile?: string;
}

/** The bootstrap registry's push credentials and CA from STATE/pki, those that exist. */
export function stateRegistryAccess(stateDir: string): StateRegistryAccess {
  const at = (f: string) => (existsSync(join(stateDir, "pki", f)) ? join(stateDir, "pki", f) : undefined);
  return { authFile: at("registry-auth.json"), caFile: at("ca.crt") };
}
