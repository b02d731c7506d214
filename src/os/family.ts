// Owns what differs between OS families on a node, one file per family (debian.ts, redhat.ts):
// the offline repository's kind, where the system trust store takes a CA and how it is
// refreshed, and chrony's service, files and options. Facts carry it to playbooks as `kplay_os`,
// so a playbook asks the family instead of branching on ansible_os_family. A new family is one
// file here (plus its repository task file when it is neither apt nor rpm).
import { debian } from "./debian.js";
import { redhat } from "./redhat.js";

export interface OsFamily {
  /** ansible_os_family of the distributions it covers. */
  name: string;
  /** The offline repository: playbooks/tasks/offline-<repo>-repo.yml. */
  repo: "apt" | "rpm";
  /** Where the cluster CA goes in the system trust store, and the command that rebuilds the store. */
  caTrustFile: string;
  caTrustUpdate: string;
  chrony: {
    service: string;
    /** The main configuration (its public pools are commented out offline). */
    conf: string;
    /** kplay's sources file (a directory chrony.conf reads). */
    sourcesFile: string;
    /** The file holding the daemon's command-line options, and the variable in it. */
    optionsFile: string;
    optionsVar: string;
  };
}

const FAMILIES: OsFamily[] = [debian, redhat];

/** The family of `ansible_os_family`, or undefined when kplay does not support it. */
export function osFamily(name: string): OsFamily | undefined {
  return FAMILIES.find((f) => f.name === name);
}

/** The `kplay_os` fact: the family's facts, or `supported: false` (playbooks stop on it with a clear message). */
export function osFacts(name: string): Record<string, unknown> {
  const f = osFamily(name);
  if (!f) return { supported: false, family: name, supported_families: FAMILIES.map((x) => x.name) };
  return {
    supported: true,
    family: f.name,
    repo: f.repo,
    ca_trust_file: f.caTrustFile,
    ca_trust_update: f.caTrustUpdate,
    chrony_service: f.chrony.service,
    chrony_conf: f.chrony.conf,
    chrony_sources_file: f.chrony.sourcesFile,
    chrony_options_file: f.chrony.optionsFile,
    chrony_options_var: f.chrony.optionsVar,
  };
}
