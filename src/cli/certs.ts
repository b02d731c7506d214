// Owns the flags, help and printing of `kplay certs check` (the listing is cluster/certs.ts).
import { KplayError } from "../errors.js";
import { checkCertificates } from "../cluster/certs.js";
import { COMMON, loadInv, parse, type Common } from "./options.js";
import { positiveInt } from "./registry-options.js";
import { reporterFor } from "./run.js";
import { withClusterSession } from "./state.js";

export const CERTS_HELP = `\
Usage: kplay certs check (-c CONFIG | --sandbox | -i INVENTORY) [--warn-days N] [--json]

Every certificate kplay or kubeadm made, with its expiry per host: the controller's (the
cluster CA and the registry certificate in STATE/pki), and on every host those under
/etc/kplay/pki (the registry's), /etc/etcd/pki (etcd CA, members, the API server's client),
/etc/kubernetes/pki (kubeadm's) and the cluster CA in the system trust store. Soonest first.
Exit status 1 when one expires within --warn-days (default 30) or a host could not be read.
Reads only; nothing changes.

Options:
      --warn-days N   how close an expiry must be to fail the check (default 30)
      --json          one JSON object per certificate (host, file, subject, notAfter, daysLeft, ca)`;

export async function certsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { ...COMMON, "warn-days": { type: "string" }, json: { type: "boolean" } },
    "certs",
  );
  if (values.help || positionals.length === 0) {
    console.log(CERTS_HELP);
    return values.help ? 0 : 2;
  }
  if (positionals[0] !== "check" || positionals.length > 1)
    throw new KplayError("usage", `unknown certs command "${positionals.join(" ")}"`, { hint: "kplay certs check" });
  const warnDays = positiveInt(values["warn-days"], "warn-days", 30);
  const o = values as Common;
  const inv = loadInv(o);
  const { reporter, sd } = reporterFor(o, inv, {}, { kind: "steps" });
  return withClusterSession({ o, inv, sd, reporter }, "kplay certs check", async (session) => {
    const r = await checkCertificates(session);
    const soon = r.certs.filter((c) => c.daysLeft < warnDays);
    if (values.json) for (const c of r.certs) console.log(JSON.stringify({ event: "certificate", ...c }));
    else printTable(r.certs, warnDays);
    for (const m of r.missing) console.error(`kplay: ${m.host}: certificates not listed: ${m.why}`);
    if (soon.length) console.error(`kplay: ${soon.length} certificate(s) expire within ${warnDays} days`);
    return soon.length || r.missing.length ? 1 : 0;
  });
}

function printTable(certs: Awaited<ReturnType<typeof checkCertificates>>["certs"], warnDays: number): void {
  const w = Math.max(12, ...certs.map((c) => c.host.length));
  for (const c of certs) {
    const mark = c.daysLeft < warnDays ? "EXPIRES SOON" : "";
    const cn = /CN=([^,]+)/.exec(c.subject)?.[1] ?? c.subject;
    const days = `${c.daysLeft} days`.padStart(10);
    console.log(
      `${c.host.padEnd(w)} ${days}  ${c.notAfter.padEnd(24)} ${c.ca ? "CA " : "   "}${cn}  ${c.file} ${mark}`.trimEnd(),
    );
  }
}
