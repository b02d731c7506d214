// Owns the `wait_for` module: wait, on the host, until a TCP port accepts (or stops accepting)
// connections or a path appears (optionally containing search_regex) or disappears; one round
// trip that loops on the host until the timeout.
import { z } from "zod";
import { joinSh, raw, sh, type Sh } from "../transport/sh.js";
import { defineModule, readMarker, type ModuleContext, type ModuleResult } from "./types.js";

/** The result lines: the state was reached, or the timeout came first (with the time taken and tries). */
const REACHED = raw(`echo "KPLAY-RESULT: ok=1 elapsed=$(( $(date +%s) - start )) tries=$n"`);
const TIMED_OUT = raw(`echo "KPLAY-RESULT: ok=0 elapsed=$(( $(date +%s) - start )) tries=$n"`);

/** Neither port nor path: wait_for sleeps for the timeout (after the delay), as Ansible's does. */
async function sleepFor(ctx: ModuleContext, seconds: number): Promise<ModuleResult> {
  if (ctx.check) return { changed: false, skipped: true, msg: "wait_for is not run in check mode" };
  const r = await ctx.exec(sh`s_=$(date +%s); sleep ${seconds}; echo "KPLAY-RESULT: elapsed=$(( $(date +%s) - s_ ))"`, {
    timeoutMs: (seconds + 30) * 1000,
  });
  const m = readMarker(r.stdout);
  if (r.rc !== 0 || !m) return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() };
  return { changed: false, elapsed: Number(m.elapsed) };
}

export const waitForModule = defineModule({
  name: "wait_for",
  undo: "none",
  idempotent: true,
  schema: z
    .object({
      host: z.string().default("127.0.0.1"),
      port: z.number().int().min(1).max(65535).optional(),
      path: z.string().optional(),
      state: z.enum(["started", "stopped", "present", "absent"]).default("started"),
      search_regex: z.string().optional(),
      timeout: z.number().nonnegative().default(300),
      delay: z.number().nonnegative().default(0),
      sleep: z.number().positive().default(1),
      connect_timeout: z.number().positive().default(5),
      msg: z.string().optional(),
    })
    .strict()
    .refine((a) => a.port === undefined || a.path === undefined, {
      message: "port and path parameter can not both be passed to wait_for",
    }),
  run: async (ctx, a) => {
    if (a.port === undefined && a.path === undefined) return sleepFor(ctx, a.delay + a.timeout);
    let check: Sh;
    const want = a.state === "started" || a.state === "present";
    if (a.port !== undefined) {
      // bash's /dev/tcp gets host and port as its positional parameters: data, never code
      const tcp = raw(`bash -c 'exec 3<>"/dev/tcp/$1/$2"' kplay-wait-for`);
      const connect = sh`timeout ${a.connect_timeout} ${tcp} ${a.host} ${a.port} 2>/dev/null`;
      // Local ports are read from the socket table; remote ones with a real connect.
      check =
        ["127.0.0.1", "localhost", "0.0.0.0", "::1"].includes(a.host) && a.state === "started"
          ? sh`ss -Hltn ${`sport = :${a.port}`} 2>/dev/null | grep -q . || ${connect}`
          : connect;
    } else {
      check = a.search_regex
        ? sh`[ -e ${a.path!} ] && grep -Eq -e ${a.search_regex} -- ${a.path!}`
        : sh`[ -e ${a.path!} ]`;
    }
    const script = joinSh([
      sh`sleep ${a.delay}`,
      sh`start=$(date +%s); end=$((start + ${Math.ceil(a.timeout)})); n=0`,
      raw(`while :; do n=$((n+1))`),
      sh`  if ${check}; then ok=1; else ok=0; fi`,
      sh`  [ $ok = ${want ? 1 : 0} ] && { ${REACHED}; exit 0; }`,
      sh`  [ $(date +%s) -ge $end ] && { ${TIMED_OUT}; exit 0; }`,
      sh`  sleep ${a.sleep}`,
      raw(`done`),
    ]);
    if (ctx.check) return { changed: false, skipped: true, msg: "wait_for is not run in check mode" };
    const r = await ctx.exec(script, { timeoutMs: (a.delay + a.timeout + 30) * 1000 });
    const m = readMarker(r.stdout);
    if (r.rc !== 0 || !m) return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() };
    const elapsed = Number(m.elapsed);
    if (m.ok !== "1") {
      const what = a.port !== undefined ? `${a.host}:${a.port}` : a.path;
      return {
        changed: false,
        failed: true,
        elapsed,
        msg: a.msg ?? `Timeout when waiting for ${what} to be ${a.state}`,
      };
    }
    return { changed: false, elapsed, state: a.state, ...(a.port !== undefined ? { port: a.port } : { path: a.path }) };
  },
});
