// Owns the `service` and `systemd` modules: started/stopped/restarted/reloaded, enabled, masked,
// daemon_reload; one round trip that asks systemctl for the current state and acts on the difference.
// Hosts without systemd fall back to `service NAME ACTION` for start/stop/restart/reload.
import { z } from "zod";
import { joinSh, raw, sh, type Sh } from "../transport/sh.js";
import { defineModule, readMarker } from "./types.js";

const schema = z
  .object({
    name: z.string().min(1).regex(/^[^-]/, "a service name cannot start with -").optional(),
    state: z.enum(["started", "stopped", "restarted", "reloaded"]).optional(),
    enabled: z.boolean().optional(),
    masked: z.boolean().optional(),
    daemon_reload: z.boolean().default(false),
    daemon_reexec: z.boolean().default(false),
    // for init systems without status (sysvinit's pattern, runlevel, sleep, arguments): Ansible's
    // service drops them when the node runs systemd, and so does kplay
    pattern: z.string().optional(),
    runlevel: z.union([z.string(), z.number()]).optional(),
    sleep: z.union([z.number(), z.string()]).optional(),
    arguments: z.string().optional(),
    args: z.string().optional(),
    // which service manager's module to use: kplay drives systemd (and says so when there is none)
    use: z.string().optional(),
  })
  .strict()
  .refine((a) => a.name !== undefined || a.daemon_reload || a.daemon_reexec, {
    message: "name is required (unless only daemon_reload)",
  });

type Args = z.infer<typeof schema>;

function script(a: Args, check: boolean): Sh {
  const n = a.name ?? "";
  // what failed is said by a fixed word and the unit name as a quoted value: never re-parsed
  const act = (what: string, cmd: Sh) =>
    check ? raw("changed=1") : sh`${cmd} || { echo ${what}" failed" >&2; journal; exit 1; }; changed=1`;
  const ctl = (verb: string, extra: Sh = raw("")) =>
    act(`systemctl ${verb} ${n}`, sh`systemctl ${verb} -- ${n}${extra}`);
  const lastLines = sh`journalctl -u ${n || "none"} -n 15 --no-pager >&2 2>/dev/null`;
  const journalTail = sh`command -v journalctl >/dev/null 2>&1 && ${lastLines}`;
  const out: Sh[] = [raw(`changed=0`), sh`journal() { ${journalTail}; true; }`];
  out.push(raw(`if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then`));
  if (a.daemon_reexec && !check) out.push(raw(`systemctl daemon-reexec`));
  if (a.daemon_reload && !check) out.push(raw(`systemctl daemon-reload`));
  if (a.name) {
    const notMasked = sh`[ "$(systemctl is-enabled -- ${n} 2>/dev/null)" != masked ]`;
    const unknown = sh`! systemctl cat -- ${n} >/dev/null 2>&1 && ${notMasked}`;
    out.push(sh`if ${unknown}; then echo "Could not find the requested service "${n} >&2; exit 1; fi`);
    if (a.masked !== undefined) {
      out.push(
        a.masked
          ? sh`[ "$(systemctl is-enabled -- ${n} 2>/dev/null)" = masked ] || { ${ctl("mask")}; }`
          : sh`[ "$(systemctl is-enabled -- ${n} 2>/dev/null)" != masked ] || { ${ctl("unmask")}; }`,
      );
    }
    if (a.enabled !== undefined) {
      // Ansible's test: is-enabled -l succeeds, and says more than a bare "indirect" or "alias"
      // (an enabled unit whose Also= units are installed lists them under "indirect")
      out.push(sh`en_=0; if e_=$(systemctl is-enabled -l -- ${n} 2>/dev/null); then en_=1; fi`);
      out.push(raw(`case "$e_" in indirect|alias) en_=0;; esac`));
      const quiet = raw(" >/dev/null 2>&1");
      out.push(
        a.enabled
          ? sh`[ $en_ = 1 ] || { ${ctl("enable", quiet)}; }`
          : sh`[ $en_ = 0 ] || { ${ctl("disable", quiet)}; }`,
      );
    }
    if (a.state === "started") out.push(sh`systemctl is-active --quiet -- ${n} || { ${ctl("start")}; }`);
    if (a.state === "stopped") out.push(sh`! systemctl is-active --quiet -- ${n} || { ${ctl("stop")}; }`);
    if (a.state === "restarted") out.push(ctl("restart"));
    if (a.state === "reloaded")
      out.push(sh`if systemctl is-active --quiet -- ${n}; then ${ctl("reload-or-restart")}; else ${ctl("start")}; fi`);
    out.push(sh`st=$(systemctl is-active -- ${n} 2>/dev/null); en=$(systemctl is-enabled -- ${n} 2>/dev/null)`);
  } else {
    out.push(raw(`st=; en=`));
  }
  out.push(raw(`else`));
  if (a.name) {
    const map: Record<string, string> = { started: "start", stopped: "stop", restarted: "restart", reloaded: "reload" };
    const svc = (verb: string) => act(`service ${n} ${verb}`, sh`service ${n} ${verb}`);
    if (a.state === "started") out.push(sh`service ${n} status >/dev/null 2>&1 || { ${svc("start")}; }`);
    else if (a.state === "stopped") out.push(sh`! service ${n} status >/dev/null 2>&1 || { ${svc("stop")}; }`);
    else if (a.state) out.push(svc(map[a.state]));
    if (a.enabled !== undefined || a.masked !== undefined)
      out.push(raw(`echo "enabled/masked need systemd on this host" >&2; exit 1`));
  }
  out.push(
    raw(`st=unknown; en=unknown`),
    raw(`fi`),
    raw(`echo "KPLAY-RESULT: changed=$changed active=$st enabled=$en"`),
  );
  return joinSh(out);
}

function run(ctx: Parameters<Parameters<typeof defineModule>[0]["run"]>[0], a: Args) {
  return ctx.exec(script(a, ctx.check), { timeoutMs: 5 * 60_000 }).then((r) => {
    const m = readMarker(r.stdout);
    if (r.rc !== 0 || !m) return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() };
    return {
      changed: m.changed === "1",
      name: a.name,
      // restarted and reloaded leave it started, as Ansible's result says
      state: a.state === "restarted" || a.state === "reloaded" ? "started" : a.state,
      // as Ansible's: once the task is done the unit is as asked
      ...(a.enabled !== undefined ? { enabled: a.enabled } : {}),
      status: { ActiveState: m.active, UnitFileState: m.enabled },
    };
  });
}

export const serviceModule = defineModule({ name: "service", undo: "task", schema, run });
export const systemdModule = defineModule({ name: "systemd", undo: "task", schema, run });
export const systemdServiceModule = defineModule({ name: "systemd_service", undo: "task", schema, run });
