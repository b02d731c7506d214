// Owns the check of the controller's certificate authorities (STATE/pki) before a cluster
// command runs: a CA's key without its certificate, or a certificate that is not one, would
// fail the first step on a node after other work ran; kplay says so first (exit 2).
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { KplayError } from "../errors.js";

/** The CAs kplay makes once and reuses: the cluster's (and the registry's) and etcd's. */
const CAS = ["ca", "etcd/ca"];

export function checkControllerPki(pkiDir: string): void {
  for (const ca of CAS) {
    const crt = join(pkiDir, `${ca}.crt`);
    const key = join(pkiDir, `${ca}.key`);
    // (a certificate without its key is fine: with generate_domain_crt off the site's CA is given so)
    const [hasCrt, hasKey] = [existsSync(crt), existsSync(key)];
    if (hasKey && !hasCrt)
      throw new KplayError("input", `${ca}.key exists without ${ca}.crt: a CA needs both`, {
        where: { file: key },
        hint: `restore ${ca}.crt from a backup (kplay restore-state), or remove ${ca}.key to make a new CA`,
      });
    if (hasCrt) checkCertificate(crt);
  }
}

function checkCertificate(file: string): void {
  try {
    new X509Certificate(readFileSync(file));
  } catch {
    throw new KplayError("input", "is not a PEM certificate", {
      where: { file },
      hint: "restore it from a backup (kplay restore-state)",
    });
  }
}
