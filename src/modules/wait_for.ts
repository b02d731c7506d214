// Owns the `wait_for` module: wait, on the host, until a TCP port accepts (or stops accepting,
// or drains of connections) or a path appears (optionally holding search_regex) or disappears;
// with neither, sleep for the timeout. One round trip that loops on the host until the timeout,
// timed in milliseconds from before the delay, as Ansible's module times it.
import { z } from "zod";
import { pyRegex } from "../playbook/pyregex.js";
import { joinSh, raw, sh, type Sh } from "../transport/sh.js";
import { parseStat, pathInfo, statLine } from "./path-info.js";
import { defineModule, readMarker } from "./types.js";

/** Ansible's connection state names and ss's for them. */
const TCP_STATES: Record<string, string> = {
  ESTABLISHED: "established",
  SYN_SENT: "syn-sent",
  SYN_RECV: "syn-recv",
  FIN_WAIT1: "fin-wait-1",
  FIN_WAIT2: "fin-wait-2",
  TIME_WAIT: "time-wait",
  CLOSE: "closed",
  CLOSE_WAIT: "close-wait",
  LAST_ACK: "last-ack",
  LISTEN: "listening",
  CLOSING: "closing",
};
const ACTIVE_DEFAULT = ["ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "SYN_RECV", "SYN_SENT", "TIME_WAIT"];
const LOCAL_HOSTS = ["127.0.0.1", "localhost", "0.0.0.0", "::1"];
/** At most this much of a match comes back (the node may hold a huge file). */
const MATCH_BYTES = 65536;

const args = z
  .object({
    host: z.string().default("127.0.0.1"),
    port: z.number().int().min(1).max(65535).optional(),
    path: z.string().optional(),
    state: z.enum(["started", "present", "stopped", "absent", "drained"]).default("started"),
    search_regex: z.string().optional(),
    timeout: z.number().nonnegative().default(300),
    delay: z.number().nonnegative().default(0),
    sleep: z.number().positive().default(1),
    connect_timeout: z.number().positive().default(5),
    exclude_hosts: z.array(z.string()).optional(),
    active_connection_states: z.array(z.string()).default(ACTIVE_DEFAULT),
    msg: z.string().optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    const problem = argumentProblem(a);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
type Args = z.infer<typeof args>;

/** Ansible's refusals of argument combinations, in its words. */
function argumentProblem(a: Args): string | undefined {
  if (a.port !== undefined && a.path !== undefined) return "port and path parameter can not both be passed to wait_for";
  for (const s of ["stopped", "drained"])
    if (a.path !== undefined && a.state === s)
      return `state=${s} should only be used for checking a port in the wait_for module`;
  if (a.exclude_hosts && a.state !== "drained") return "exclude_hosts should only be with state=drained";
  const unknown = a.active_connection_states.find((s) => !(s in TCP_STATES));
  if (unknown !== undefined) return `unknown active_connection_state (${unknown}) defined`;
  if (a.state === "drained" && a.port === undefined) return "state=drained needs a port";
  if (a.search_regex !== undefined) {
    try {
      pyRegex(a.search_regex, "m");
    } catch (e) {
      return `Invalid regular expression: ${(e as Error).message}`;
    }
  }
  return undefined;
}

/** Time in ms (GNU date), or whole seconds × 1000 where date has no %N; grep with Python-like -P if it has it. */
const PRELUDE = joinSh([
  raw(`now() { t_=$(date +%s%N 2>/dev/null)`),
  raw(`  case $t_ in ''|*[!0-9]*) echo $(( $(date +%s) * 1000 ));; *) echo $(( t_ / 1000000 ));; esac; }`),
  raw(`if echo x | grep -P x >/dev/null 2>&1; then rx_=-P; else rx_=-E; fi`),
  raw(`report() { echo "KPLAY-RESULT: ok=$1 elapsed=$(( ($(now) - start) / 1000 ))"; }`),
]);

/** A TCP connection to host:port (bash's /dev/tcp gets both as positional parameters: data, never code). */
function connect(a: Args, seconds: Sh | number, o: { read: boolean }): Sh {
  const tcp = o.read
    ? raw(`bash -c 'exec 3<>"/dev/tcp/$1/$2"; cat <&3' kplay-wait-for`)
    : raw(`bash -c 'exec 3<>"/dev/tcp/$1/$2"' kplay-wait-for`);
  return sh`timeout ${seconds} ${tcp} ${a.host} ${a.port!} 2>/dev/null`;
}

/** The shell condition that holds once the port or path is "there" (started/present). */
function presentCheck(a: Args): Sh {
  const grep = (operand: Sh) => sh`LC_ALL=C grep -a ${raw("$rx_")} -q -e ${a.search_regex!} ${operand}`;
  if (a.port === undefined)
    return a.search_regex === undefined ? sh`[ -e ${a.path!} ]` : sh`[ -e ${a.path!} ] && ${grep(sh`-- ${a.path!}`)}`;
  if (a.search_regex !== undefined) {
    // what the port sends, read until the match or the end of the wait
    const left = raw("$(( (end - $(now)) / 1000 + 1 ))");
    return sh`${connect(a, left, { read: true })} | ${grep(raw(""))}`;
  }
  // a local port is read from the socket table first (no connection seen by the service)
  const tcp = connect(a, a.connect_timeout, { read: false });
  return LOCAL_HOSTS.includes(a.host)
    ? sh`{ ss -Hltn ${`sport = :${a.port}`} 2>/dev/null | grep -q . || ${tcp}; }`
    : tcp;
}

/** Holds once no connection in an active state is left on the port (from host, not from exclude_hosts). */
function drainedCheck(a: Args): Sh {
  const states = a.active_connection_states.flatMap((s) => ["state", TCP_STATES[s]]);
  const filter = ["sport", "=", `:${a.port}`];
  if (a.host !== "0.0.0.0" && a.host !== "::") filter.push("and", "src", a.host);
  for (const h of a.exclude_hosts ?? []) filter.push("and", "not", "dst", h);
  return sh`[ "$(ss -Htn ${states} ${filter} | wc -l)" -eq 0 ]`;
}

/** What is at the path once there, and the first matched text of the file (base64) for a search_regex. */
function matchOutput(a: Args): Sh {
  if (a.path === undefined) return raw("");
  // Ansible adds what is at the path (its add_path_info) to the result
  const info = sh`p=${a.path}; ${statLine("KPLAY-POST")}`;
  if (a.search_regex === undefined) return info;
  const first = sh`LC_ALL=C grep -a ${raw("$rx_")} -o -m1 -e ${a.search_regex} -- ${a.path!} | head -n1`;
  return sh`${info}; printf 'KPLAY-MATCH: %s\\n' "$(${first} | head -c ${MATCH_BYTES} | base64 | tr -d '\\n')"`;
}

function waitScript(a: Args): Sh {
  const wantThere = a.state !== "stopped" && a.state !== "absent";
  // gone means gone: search_regex only matters while waiting for a path or port to be there
  const cond =
    a.state === "drained" ? drainedCheck(a) : presentCheck(wantThere ? a : { ...a, search_regex: undefined });
  const reached = wantThere ? sh`${cond}` : sh`! ${cond}`;
  return joinSh([
    PRELUDE,
    sh`start=$(now); sleep ${a.delay}; end=$((start + ${Math.round(a.timeout * 1000)}))`,
    sh`while [ "$(now)" -lt "$end" ]; do`,
    sh`  if ${reached}; then ${joinSh([raw("report 1"), matchOutput(a), raw("exit 0")], "; ")}; fi`,
    // never sleep past the end (a wait of 2 s reports 2, as Ansible's, on a busy node too)
    sh`  ms_=$((end - $(now))); [ "$ms_" -le ${Math.round(a.sleep * 1000)} ] || ms_=${Math.round(a.sleep * 1000)}`,
    raw(`  if [ "$ms_" -gt 0 ]; then sleep "$((ms_ / 1000)).$(printf %03d $((ms_ % 1000)))"; fi`),
    raw(`done`),
    raw(`report 0`),
  ]);
}

/** Ansible's words for a wait that timed out. */
function timeoutMessage(a: Args): string {
  const where = a.port !== undefined ? `${a.host}:${a.port}` : a.path;
  if (a.state === "drained") return `Timeout when waiting for ${where} to drain`;
  if (a.state === "stopped" || a.state === "absent")
    return a.port !== undefined
      ? `Timeout when waiting for ${where} to stop.`
      : `Timeout when waiting for ${where} to be absent.`;
  if (a.search_regex !== undefined) return `Timeout when waiting for search string ${a.search_regex} in ${where}`;
  return a.port !== undefined ? `Timeout when waiting for ${where}` : `Timeout when waiting for file ${where}`;
}

/** match_groups / match_groupdict of the matched text, as Python's re gives them. */
function matchGroups(
  a: Args,
  stdout: string,
): { match_groups: (string | null)[]; match_groupdict: Record<string, string | null> } {
  const line = stdout.split("\n").find((l) => l.startsWith("KPLAY-MATCH: "));
  if (!line || a.search_regex === undefined) return { match_groups: [], match_groupdict: {} };
  const text = Buffer.from(line.slice("KPLAY-MATCH: ".length), "base64").toString("utf8");
  const m = pyRegex(a.search_regex, "m").exec(text);
  if (!m) return { match_groups: [], match_groupdict: {} };
  return {
    match_groups: m.slice(1).map((g) => g ?? null),
    match_groupdict: Object.fromEntries(Object.entries(m.groups ?? {}).map(([k, v]) => [k, v ?? null])),
  };
}

export const waitForModule = defineModule({
  name: "wait_for",
  undo: "none",
  idempotent: true,
  schema: args,
  run: async (ctx, a) => {
    if (ctx.check) return { changed: false, skipped: true, msg: "wait_for is not run in check mode" };
    const sleepOnly = a.port === undefined && a.path === undefined;
    const script = sleepOnly
      ? joinSh([PRELUDE, sh`start=$(now); sleep ${a.delay}; sleep ${a.timeout}`, raw("report 1")])
      : waitScript(a);
    const r = await ctx.exec(script, { timeoutMs: (a.delay + a.timeout + 30) * 1000 });
    const m = readMarker(r.stdout);
    if (r.rc !== 0 || !m) return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() };
    const elapsed = Number(m.elapsed);
    if (m.ok !== "1") return { changed: false, failed: true, elapsed, msg: a.msg ?? timeoutMessage(a) };
    return {
      changed: false,
      elapsed,
      state: a.state,
      port: a.port ?? null,
      path: a.path ?? null,
      search_regex: a.search_regex ?? null,
      ...matchGroups(a, r.stdout),
      ...pathInfo(parseStat(/^KPLAY-POST: (.*)$/m.exec(r.stdout)?.[1])),
    };
  },
});
