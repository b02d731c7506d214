// Owns the `service` and `systemd` modules: started/stopped/restarted/reloaded, enabled, masked,
// daemon_reload; one round trip that asks systemctl for the current state and acts on the difference.
// Hosts without systemd fall back to `service NAME ACTION` for start/stop/restart/reload.
import { z } from "zod";
import { quote } from "../transport/quote.js";
import { defineModule, readMarker } from "./types.js";

const schema = z
  .object({
    name: z.string().min(1).optional(),
    state: z.enum(["started", "stopped", "restarted", "reloaded"]).optional(),
    enabled: z.boolean().optional(),
    masked: z.boolean().optional(),
    daemon_reload: z.boolean().default(false),
    daemon_reexec: z.boolean().default(false),
  })
  .strict()
  .refine((a) => a.name !== undefined || a.daemon_reload || a.daemon_reexec, { message: "name is required (unless only daemon_reload)" });

type Args = z.infer<typeof schema>;

function script(a: Args, check: boolean): string {
  const n = a.name ? quote(a.name) : "";
  const act = (cmd: string) => (check ? "changed=1" : `${cmd} || { echo "${cmd.replace(/"/g, "")} failed" >&2; journal; exit 1; }; changed=1`);
  const out = [
    `changed=0`,
    `journal() { command -v journalctl >/dev/null 2>&1 && journalctl -u ${n || "none"} -n 15 --no-pager >&2 2>/dev/null; true; }`,
  ];
  out.push(`if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then`);
  if (a.daemon_reexec && !check) out.push(`systemctl daemon-reexec`);
  if (a.daemon_reload && !check) out.push(`systemctl daemon-reload`);
  if (a.name) {
    out.push(`if ! systemctl cat ${n} >/dev/null 2>&1 && [ "$(systemctl is-enabled ${n} 2>/dev/null)" != masked ]; then echo "Could not find the requested service ${a.name}" >&2; exit 1; fi`);
    if (a.masked !== undefined) {
      out.push(a.masked ? `[ "$(systemctl is-enabled ${n} 2>/dev/null)" = masked ] || { ${act(`systemctl mask ${n}`)}; }` : `[ "$(systemctl is-enabled ${n} 2>/dev/null)" != masked ] || { ${act(`systemctl unmask ${n}`)}; }`);
    }
    if (a.enabled !== undefined) {
      out.push(`e=$(systemctl is-enabled ${n} 2>/dev/null)`);
      out.push(a.enabled ? `case "$e" in enabled|enabled-runtime|static|alias|indirect|generated) ;; *) ${act(`systemctl enable ${n} >/dev/null 2>&1`)};; esac` : `case "$e" in enabled|enabled-runtime) ${act(`systemctl disable ${n} >/dev/null 2>&1`)};; esac`);
    }
    if (a.state === "started") out.push(`systemctl is-active --quiet ${n} || { ${act(`systemctl start ${n}`)}; }`);
    if (a.state === "stopped") out.push(`! systemctl is-active --quiet ${n} || { ${act(`systemctl stop ${n}`)}; }`);
    if (a.state === "restarted") out.push(act(`systemctl restart ${n}`));
    if (a.state === "reloaded") out.push(`if systemctl is-active --quiet ${n}; then ${act(`systemctl reload-or-restart ${n}`)}; else ${act(`systemctl start ${n}`)}; fi`);
    out.push(`st=$(systemctl is-active ${n} 2>/dev/null); en=$(systemctl is-enabled ${n} 2>/dev/null)`);
  } else {
    out.push(`st=; en=`);
  }
  out.push(`else`);
  if (a.name) {
    const map: Record<string, string> = { started: "start", stopped: "stop", restarted: "restart", reloaded: "reload" };
    if (a.state === "started") out.push(`service ${n} status >/dev/null 2>&1 || { ${act(`service ${n} start`)}; }`);
    else if (a.state === "stopped") out.push(`! service ${n} status >/dev/null 2>&1 || { ${act(`service ${n} stop`)}; }`);
    else if (a.state) out.push(act(`service ${n} ${map[a.state]}`));
    if (a.enabled !== undefined || a.masked !== undefined) out.push(`echo "enabled/masked need systemd on this host" >&2; exit 1`);
  }
  out.push(`st=unknown; en=unknown`, `fi`, `echo "KPLAY-RESULT: changed=$changed active=$st enabled=$en"`);
  return out.join("\n");
}

function run(ctx: Parameters<Parameters<typeof defineModule>[0]["run"]>[0], a: Args) {
  return ctx.exec(script(a, ctx.check), { timeoutMs: 5 * 60_000 }).then((r) => {
    const m = readMarker(r.stdout);
    if (r.rc !== 0 || !m) return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() };
    return { changed: m.changed === "1", name: a.name, state: a.state, status: { ActiveState: m.active, UnitFileState: m.enabled } };
  });
}

export const serviceModule = defineModule({ name: "service", schema, run });
export const systemdModule = defineModule({ name: "systemd", schema, run });
export const systemdServiceModule = defineModule({ name: "systemd_service", schema, run });
