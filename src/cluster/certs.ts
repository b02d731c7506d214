// Owns `kplay certs check`: every certificate kplay or kubeadm made, where it is and when it
// expires: the controller's own (STATE/pki: the cluster CA, the registry's) read here, and on
// every host the files under /etc/kplay/pki, /etc/etcd/pki, /etc/kubernetes/pki and the CA in
// the system trust store, listed by a read-only script. Returns data; the CLI prints and decides.
// And `kplay certs renew`: the leaf certificates kplay made (registry, etcd members,
// kube-apiserver's etcd client) made again under the same CAs, and kubeadm's renewed by kubeadm,
// restarting one host at a time.
import { X509Certificate } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { etcdMemberAddresses } from "./nodes.js";
import type { ClusterSession } from "./session.js";
import { runPlays, runShipped, type HostResult } from "./shipped.js";

const LIST_TASK = "List certificates and their expiry";
const DAY_MS = 86_400_000;

export interface CertInfo {
  host: string;
  file: string;
  notAfter: string;
  subject: string;
  ca: boolean;
  daysLeft: number;
}

export interface CertReport {
  certs: CertInfo[];
  /** Hosts whose certificates could not be listed, with why. */
  missing: Array<{ host: string; why: string }>;
}

export async function checkCertificates(s: ClusterSession, o: { now?: Date } = {}): Promise<CertReport> {
  const now = (o.now ?? new Date()).getTime();
  const missing: CertReport["missing"] = [];
  const certs: CertInfo[] = controllerCerts(join(s.stateDir, "pki"), now, missing);
  const onResult = (e: HostResult) => {
    if (e.task !== LIST_TASK) return;
    if (e.status !== "ok") missing.push({ host: e.host, why: String(e.result.msg ?? e.status).split("\n")[0] });
    else certs.push(...parseListing(e.host, String(e.result.stdout ?? ""), now));
  };
  await runShipped(s, { file: "certs-check.yml", forks: s.forks, onResult });
  certs.sort((a, b) => a.daysLeft - b.daysLeft || a.host.localeCompare(b.host) || a.file.localeCompare(b.file));
  return { certs, missing };
}

/** The script's lines: KPLAY-CERT, file, not-after, subject, is-CA (tab-separated). */
export function parseListing(host: string, stdout: string, now: number): CertInfo[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("KPLAY-CERT\t"))
    .map((l) => {
      const [, file, notAfter, subject, ca] = l.split("\t");
      return { host, file, notAfter, subject, ca: ca === "true", daysLeft: daysLeft(notAfter, now) };
    });
}

function daysLeft(notAfter: string, now: number): number {
  return Math.floor((Date.parse(notAfter) - now) / DAY_MS);
}

/** The controller's certificates (the CA and the registry's, made by kplay); one that does not parse is named. */
function controllerCerts(dir: string, now: number, unreadable: CertReport["missing"]): CertInfo[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".crt"))
    .flatMap((f) => {
      try {
        const c = new X509Certificate(readFileSync(join(dir, f)));
        const info = { host: "(controller)", file: join(dir, f), notAfter: c.validTo, subject: c.subject };
        return [{ ...info, subject: c.subject.replace(/\n/g, ","), ca: c.ca, daysLeft: daysLeft(c.validTo, now) }];
      } catch {
        unreadable.push({ host: "(controller)", why: `${join(dir, f)} is not a PEM certificate` });
        return [];
      }
    });
}

/** What `certs renew` can renew, and the plays of certs-renew.yml that do it, in order. */
export const RENEWABLE = {
  registry: ["registry certificate"],
  etcd: [
    "etcd certificates (controller)",
    "etcd certificates (members)",
    "etcd certificates (kube-apiserver's client certificate)",
  ],
  kubeadm: ["kubeadm certificates"],
} as const;
export type Renewable = keyof typeof RENEWABLE;

/**
 * Renew leaf certificates (never a CA): each part's plays in order, each on every host it names
 * before the next. The part and play that failed, or undefined when every part was renewed.
 */
export async function renewCertificates(
  s: ClusterSession,
  what: Renewable[],
): Promise<{ failed?: { part: Renewable; play: string } }> {
  const vars = {
    kplay_pki_dir: join(s.stateDir, "pki"),
    kplay_etcd_members: etcdMemberAddresses(s.inv).map((m) => `${m.name}=${m.ip}`),
  };
  for (const part of what) {
    const failed = await runPlays(s, { file: "certs-renew.yml", plays: RENEWABLE[part], vars, forks: s.forks });
    if (failed) return { failed: { part, play: failed.play } };
  }
  return {};
}
