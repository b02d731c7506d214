// Owns the flags, help and printing of `kplay certs check` and `kplay certs renew` (the work is
// cluster/certs.ts).
import { KplayError } from "../errors.js";
import { checkCertificates, renewCertificates, RENEWABLE, type Renewable } from "../cluster/certs.js";
import { COMMON, loadInv, parse, type Common } from "./options.js";
import { positiveInt } from "./registry-options.js";
import { reporterFor } from "./run.js";
import { withClusterSession } from "./state.js";

export const CERTS_HELP = `\
Usage: kplay certs check (-c CONFIG | --sandbox | -i INVENTORY) [--warn-days N] [--json]
       kplay certs renew (-c CONFIG | --sandbox | -i INVENTORY) [--what registry,etcd,kubeadm]

Every certificate kplay or kubeadm made, with its expiry per host: the controller's (the
cluster CA and the registry certificate in STATE/pki), and on every host those under
/etc/kplay/pki (the registry's), /etc/etcd/pki (etcd CA, members, the API server's client),
/etc/kubernetes/pki (kubeadm's) and the cluster CA in the system trust store. Soonest first.
Exit status 1 when one expires within --warn-days (default 30) or a host could not be read.
Reads only; nothing changes.

renew makes the leaf certificates kplay made again (new keys, new validity) under the same CAs
(a CA is never replaced, so nothing has to trust anything new) and puts them in place:
  registry  the registry's certificate on the bootstrap node; nginx reloads (connections kept)
            and must present it, verified by the cluster CA
  etcd      every member's certificate, one member at a time (restarted, then it must answer a
            quorum read over TLS before the next), and kube-apiserver's etcd client certificate
            on each control plane, one at a time (kube-apiserver restarted to read it)
  kubeadm   kubeadm's own (kubeadm certs renew all), one control plane at a time, its control
            plane restarted and the API answering before the next; the admin kubeconfig
            refreshed for root and in STATE/pki/admin.conf
All three by default. kplay's replaced certificates and keys stay in STATE/pki/replaced/TIME/.

Options:
      --warn-days N   how close an expiry must be to fail the check (default 30)
      --json          one JSON object per certificate (host, file, subject, notAfter, daysLeft, ca)
      --what LIST     what renew renews: registry, etcd, kubeadm (comma-separated; default all)`;

export async function certsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { ...COMMON, "warn-days": { type: "string" }, json: { type: "boolean" }, what: { type: "string" } },
    "certs",
  );
  if (values.help || positionals.length === 0) {
    console.log(CERTS_HELP);
    return values.help ? 0 : 2;
  }
  if (positionals[0] === "renew" && positionals.length === 1) return renewCommand(values as Common, values.what);
  if (positionals[0] !== "check" || positionals.length > 1)
    throw new KplayError("usage", `unknown certs command "${positionals.join(" ")}"`, {
      hint: "kplay certs check | kplay certs renew",
    });
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

function renewParts(what: string | undefined): Renewable[] {
  const all = Object.keys(RENEWABLE) as Renewable[];
  if (what === undefined) return all;
  const parts = what.split(",").map((w) => w.trim());
  for (const p of parts)
    if (!all.includes(p as Renewable))
      throw new KplayError("usage", `--what: unknown part "${p}" (known: ${all.join(", ")})`);
  return all.filter((p) => parts.includes(p));
}

async function renewCommand(o: Common, what: string | undefined): Promise<number> {
  const parts = renewParts(what);
  const inv = loadInv(o);
  const { reporter, sd } = reporterFor(o, inv, {}, { kind: "steps" });
  return withClusterSession({ o, inv, sd, reporter }, "kplay certs renew", async (session) => {
    const r = await renewCertificates(session, parts);
    if (r.failed) {
      console.error(
        `kplay: certs renew stopped at "${r.failed.play}" (${r.failed.part}); ` +
          "what was renewed before it is in place: mend the host named above and run it again",
      );
      return 1;
    }
    console.log(`renewed: ${parts.join(", ")} (the CAs unchanged; replaced files in ${sd}/pki/replaced/)`);
    return 0;
  });
}
