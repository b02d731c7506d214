// Owns the `timezone` module (community.general.timezone's arguments and result): the system time
// zone and whether the hardware clock keeps local time or UTC. Through timedatectl where
// systemd-timedated answers; otherwise /etc/localtime (a link into /usr/share/zoneinfo),
// /etc/timezone where the node keeps one, and /etc/adjtime's third line for the clock.
// The result carries Ansible's diff (before/after of what was asked), which playbooks read to
// put the old zone back.
import { z } from "zod";
import { joinSh, raw, sh, type Sh } from "../transport/sh.js";
import { defineModule, readMarker, readTagged, type ModuleResult } from "./types.js";

const schema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/, "not a time zone name (such as Europe/Berlin)")
      .optional(),
    hwclock: z.enum(["local", "UTC"]).optional(),
  })
  .strict();
type Args = z.infer<typeof schema>;

/** sh: now_tz and now_rtc print the zone and the clock's keeping (local or UTC) the node uses now. */
const READ = joinSh([
  raw(`if timedatectl status >/dev/null 2>&1; then td_=1; else td_=0; fi`),
  raw(`now_tz() { if [ $td_ = 1 ]; then timedatectl status | sed -n -E 's/^ *Time ?zone: *([^ ]+).*/\\1/p'`),
  raw(`  else readlink /etc/localtime 2>/dev/null | sed 's#^.*/zoneinfo/##'; fi; }`),
  raw(`now_rtc() { if [ $td_ = 1 ]; then`),
  raw(`    r_=$(timedatectl status | sed -n -E 's/^ *RTC in local TZ: *([a-z]+).*/\\1/p')`),
  raw(`  else r_=$(sed -n 3p /etc/adjtime 2>/dev/null | tr 'A-Z' 'a-z'); [ "$r_" = local ] && r_=yes; fi`),
  raw(`  if [ "$r_" = yes ]; then echo local; else echo UTC; fi; }`),
]);

function setZone(name: string): Sh {
  return joinSh([
    sh`[ -f /usr/share/zoneinfo/${name} ] || { printf 'given timezone "%s" is not available\\n' ${name} >&2; exit 1; }`,
    sh`if [ $td_ = 1 ]; then timedatectl set-timezone ${name} || exit 1`,
    sh`else ln -sfn /usr/share/zoneinfo/${name} /etc/localtime || exit 1`,
    sh`  if [ -f /etc/timezone ]; then printf '%s\\n' ${name} > /etc/timezone || exit 1; fi; fi`,
  ]);
}

function setRtc(local: boolean): Sh {
  const word = local ? "LOCAL" : "UTC";
  return joinSh([
    sh`if [ $td_ = 1 ]; then timedatectl set-local-rtc ${local ? "yes" : "no"} || exit 1`,
    sh`else printf '0.0 0 0.0\\n0\\n%s\\n' ${word} > /etc/adjtime || exit 1; fi`,
  ]);
}

function script(a: Args, check: boolean): Sh {
  const lines: Sh[] = [READ, raw(`changed=0`)];
  if (a.name !== undefined)
    lines.push(
      raw(`b_tz=$(now_tz); printf 'KPLAY-TZ-BEFORE:%s\\n' "$b_tz"`),
      sh`if [ "$b_tz" != ${a.name} ]; then changed=1; ${check ? raw(":") : setZone(a.name)}; fi`,
      raw(`printf 'KPLAY-TZ-AFTER:%s\\n' "$(now_tz)"`),
    );
  if (a.hwclock !== undefined)
    lines.push(
      raw(`b_rtc=$(now_rtc); printf 'KPLAY-RTC-BEFORE:%s\\n' "$b_rtc"`),
      sh`if [ "$b_rtc" != ${a.hwclock} ]; then changed=1; ${check ? raw(":") : setRtc(a.hwclock === "local")}; fi`,
      raw(`printf 'KPLAY-RTC-AFTER:%s\\n' "$(now_rtc)"`),
    );
  lines.push(raw(`echo "KPLAY-RESULT: changed=$changed"`));
  return joinSh(lines);
}

/** Ansible's diff: before and after of the keys asked for (in check mode, after is what was asked). */
type Diff = { before: Record<string, string>; after: Record<string, string> };
function diff(a: Args, stdout: string, check: boolean): Diff {
  const before: Record<string, string> = {};
  const after: Record<string, string> = {};
  const keys: [keyof Args, string][] = [
    ["name", "TZ"],
    ["hwclock", "RTC"],
  ];
  for (const [key, tag] of keys) {
    if (a[key] === undefined) continue;
    before[key] = readTagged(stdout, `${tag}-BEFORE`) ?? "";
    after[key] = check ? a[key]! : (readTagged(stdout, `${tag}-AFTER`) ?? "");
  }
  return { before, after };
}

export const timezoneModule = defineModule({
  name: "timezone",
  undo: "task",
  idempotent: true,
  schema,
  run: async (ctx, a): Promise<ModuleResult> => {
    if (a.name === undefined && a.hwclock === undefined)
      return { changed: false, failed: true, msg: "one of the following is required: name, hwclock" };
    const r = await ctx.exec(script(a, ctx.check));
    const m = readMarker(r.stdout);
    if (r.rc !== 0 || !m) return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() };
    const d = diff(a, r.stdout, ctx.check);
    if (!ctx.check && (d.after.name ?? a.name) !== a.name)
      return { changed: true, failed: true, msg: `still not desired state, though changes have made`, diff: d };
    return { changed: JSON.stringify(d.before) !== JSON.stringify(d.after), diff: d };
  },
});
