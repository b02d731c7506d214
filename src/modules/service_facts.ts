// Owns the `service_facts` module as Ansible's on systemd nodes: every service unit into the fact
// `services` (name → name, state, status, source), read as Ansible's SystemctlScanService reads
// it — `systemctl list-units` for loaded units (state running or stopped, status the unit's
// active state or a bad state: not-found, masked, failed), then `systemctl list-unit-files` for
// the rest (status the file's enablement, state its ActiveState). One round trip; the node's
// answer is data (a fact), never a template.
import { z } from "zod";
import { sh } from "../transport/sh.js";
import { defineModule, type ModuleResult } from "./types.js";

const SEPARATOR = "--kplay-unit-files--";

/** Ansible's BAD_STATES: a unit in one of them has it as its status. */
const BAD_STATES = ["not-found", "masked", "failed"];

export interface ServiceFact {
  name: string;
  state: string;
  status: string;
  source: "systemd";
}

/** list-units, then the separator, then per unit file "NAME STATUS ACTIVESTATE". */
const SCRIPT = sh`command -v systemctl >/dev/null 2>&1 || exit 3
systemctl list-units --no-pager --type service --all
echo ${SEPARATOR}
systemctl list-unit-files --no-pager --type service --all | while read -r unit status rest; do
  case "$unit" in
    *.service) printf '%s %s %s\n' "$unit" "$status" \
      "$(systemctl show "$unit" --property=ActiveState --value 2>/dev/null)" ;;
  esac
done`;

/** The services of list-units and list-unit-files output, as Ansible builds them. */
export function parseServices(stdout: string): Record<string, ServiceFact> {
  const [units, files = ""] = stdout.split(`${SEPARATOR}\n`);
  const services: Record<string, ServiceFact> = {};
  for (const line of units.split("\n").filter((l) => l.includes(".service"))) {
    let fields = line.trim().split(/\s+/);
    const bad = BAD_STATES.find((b) => fields.includes(b));
    // a bad unit's line starts with a mark (●) before its name
    if (bad) fields = fields.slice(1);
    const name = fields[0];
    if (!name?.endsWith(".service") || fields.length < 4) continue;
    const status = bad ?? fields[2];
    services[name] = { name, state: fields[3] === "running" ? "running" : "stopped", status, source: "systemd" };
  }
  for (const line of files.split("\n").filter((l) => l.includes(".service") && !l.includes("not-found"))) {
    const [name, status, active] = line.trim().split(/\s+/);
    if (!name || !status) continue;
    if (!services[name]) services[name] = { name, state: active || "unknown", status, source: "systemd" };
    else if (!BAD_STATES.includes(services[name].status)) services[name].status = status;
  }
  return services;
}

export const serviceFactsModule = defineModule({
  name: "service_facts",
  undo: "none",
  idempotent: true,
  schema: z.object({}).strict(),
  run: async (ctx): Promise<ModuleResult> => {
    const r = await ctx.exec(SCRIPT);
    if (r.rc === 3)
      return {
        changed: false,
        failed: true,
        msg: "Failed to find any services. This can be due to privileges or some other configuration issue.",
      };
    if (r.rc !== 0) return { changed: false, failed: true, msg: r.stderr.trim() || "systemctl failed", rc: r.rc };
    return { changed: false, ansible_facts: { services: parseServices(r.stdout) } };
  },
});
