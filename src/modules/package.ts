// Owns the `package` module (also `apt`, `dnf`, `yum`): install, remove or upgrade packages with
// the host's package manager (chosen by facts, else detected), one round trip: the script checks
// what is installed and acts only on what differs. update_cache refreshes the index first
// (skipped while younger than cache_valid_time).
import { z } from "zod";
import { quote } from "../transport/quote.js";
import { defineModule, readMarker, type ModuleContext, type ModuleResult } from "./types.js";
import { recordScriptExpr } from "./undo.js";

const schema = z
  .object({
    name: z.union([z.string(), z.array(z.string())]).optional(),
    pkg: z.union([z.string(), z.array(z.string())]).optional(),
    state: z.enum(["present", "installed", "absent", "removed", "latest"]).default("present"),
    update_cache: z.boolean().default(false),
    cache_valid_time: z.number().int().nonnegative().default(0),
    install_recommends: z.boolean().default(false),
    purge: z.boolean().default(false),
    use: z.enum(["auto", "apt", "dnf", "yum"]).default("auto"),
  })
  .strict();

type Args = z.infer<typeof schema>;

function names(a: Args): string[] {
  const v = a.name ?? a.pkg ?? [];
  return (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter(Boolean);
}

/** sh for apt: prints "KPLAY-CHANGED <pkg>" per package acted on. */
function aptScript(pkgs: string[], a: Args, check: boolean, undo: boolean): string {
  const state = a.state === "installed" ? "present" : a.state === "removed" ? "absent" : a.state;
  const lines = [
    `export DEBIAN_FRONTEND=noninteractive`,
    `opts="-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold${a.install_recommends ? "" : " --no-install-recommends"}"`,
    `cache=0`,
  ];
  if (a.update_cache) {
    lines.push(
      `age=$(( $(date +%s) - $(stat -c %Y /var/lib/apt/lists/partial 2>/dev/null || echo 0) ))`,
      `if [ ${a.cache_valid_time} -eq 0 ] || [ $age -gt ${a.cache_valid_time} ]; then ${check ? "cache=1" : `apt-get update -q >/tmp/.kplay-apt-update.log 2>&1 || { cat /tmp/.kplay-apt-update.log >&2; exit 1; }; touch /var/lib/apt/lists/partial; cache=1`}; fi`,
    );
  }
  lines.push(`todo=""; new=""`);
  for (const p of pkgs) {
    const [n, ver] = p.split("=");
    const q = quote(n);
    const installed = `dpkg-query -W -f='\${Status} \${Version}' ${q} 2>/dev/null`;
    if (state === "present") {
      lines.push(`s=$(${installed}); case "$s" in "install ok installed"*) ${ver ? `[ "\${s##* }" = ${quote(ver)} ] || todo="$todo ${quote(p)}"` : ":"};; *) todo="$todo ${quote(p)}"; new="$new ${q}";; esac`);
    } else if (state === "latest") {
      lines.push(`cand=$(apt-cache policy ${q} | awk '/Candidate:/ {print $2}'); s=$(${installed}); case "$s" in "install ok installed $cand") ;; "install ok installed"*) todo="$todo ${q}";; *) todo="$todo ${q}"; new="$new ${q}";; esac`);
    } else {
      lines.push(`s=$(${installed}); case "$s" in "install ok installed"*|*"config-files"*) todo="$todo ${q}";; esac`);
    }
  }
  const act = state === "absent" ? `apt-get ${a.purge ? "purge" : "remove"} $opts $todo` : `apt-get install $opts $todo`;
  lines.push(
    `if [ -n "$todo" ]; then`,
    check ? `  :` : `  ${act} >/tmp/.kplay-apt.log 2>&1 || { tail -n 30 /tmp/.kplay-apt.log >&2; exit 1; }`,
    // packages that were not installed before are purged on undo (with what they pulled in)
    undo && !check && state !== "absent" ? `  [ -z "$new" ] || { ${recordScriptExpr(`"pkg:$new"`, `"DEBIAN_FRONTEND=noninteractive apt-get purge -y -q --autoremove$new >/dev/null"`)}; }` : ":",
    `  for t in $todo; do echo "KPLAY-CHANGED $t"; done`,
    `fi`,
    `echo "KPLAY-RESULT: cache=$cache"`,
  );
  return lines.join("\n");
}

function rpmScript(pkgs: string[], a: Args, check: boolean, tool: "dnf" | "yum", undo: boolean): string {
  const state = a.state === "installed" ? "present" : a.state === "removed" ? "absent" : a.state;
  const lines = [`cache=0`, `todo=""; new=""`];
  if (a.update_cache) lines.push(check ? `cache=1` : `${tool} -q makecache >/dev/null 2>&1 || { echo "${tool} makecache failed" >&2; exit 1; }; cache=1`);
  for (const p of pkgs) {
    const q = quote(p);
    if (state === "present") lines.push(`rpm -q --whatprovides ${q} >/dev/null 2>&1 || { todo="$todo ${q}"; new="$new ${q}"; }`);
    else if (state === "latest") lines.push(`if ! rpm -q ${q} >/dev/null 2>&1; then todo="$todo ${q}"; new="$new ${q}"; else ${tool} -q check-update ${q} >/dev/null 2>&1; [ $? -eq 100 ] && todo="$todo ${q}"; fi`);
    else lines.push(`rpm -q ${q} >/dev/null 2>&1 && todo="$todo ${q}"`);
  }
  const act = state === "absent" ? `${tool} -y remove $todo` : state === "latest" ? `${tool} -y install $todo && ${tool} -y upgrade $todo` : `${tool} -y install $todo`;
  lines.push(
    `if [ -n "$todo" ]; then`,
    check ? `  :` : `  ${act} >/tmp/.kplay-${tool}.log 2>&1 || { tail -n 30 /tmp/.kplay-${tool}.log >&2; exit 1; }`,
    undo && !check && state !== "absent" ? `  [ -z "$new" ] || { ${recordScriptExpr(`"pkg:$new"`, `"${tool} -y -q remove$new >/dev/null"`)}; }` : ":",
    `  for t in $todo; do echo "KPLAY-CHANGED $t"; done`,
    `fi`,
    `echo "KPLAY-RESULT: cache=$cache"`,
  );
  return lines.join("\n");
}

async function run(ctx: ModuleContext, a: Args, forced?: "apt" | "dnf" | "yum"): Promise<ModuleResult> {
  const pkgs = names(a);
  let mgr = forced ?? (a.use !== "auto" ? a.use : (ctx.vars.ansible_pkg_mgr as string | undefined));
  if (!mgr || !["apt", "dnf", "yum"].includes(mgr)) {
    const r = await ctx.exec(`for m in apt-get dnf yum; do command -v $m >/dev/null 2>&1 && { echo $m; exit 0; }; done; exit 1`);
    if (r.rc !== 0) return { changed: false, failed: true, msg: "no supported package manager (apt, dnf, yum) on this host" };
    mgr = r.stdout.trim() === "apt-get" ? "apt" : r.stdout.trim();
  }
  if (pkgs.length === 0 && !a.update_cache) return { changed: false, failed: true, msg: "name is required" };
  const script = mgr === "apt" ? aptScript(pkgs, a, ctx.check, ctx.undo) : rpmScript(pkgs, a, ctx.check, mgr as "dnf" | "yum", ctx.undo);
  const r = await ctx.exec(script, { timeoutMs: 30 * 60_000 });
  const m = readMarker(r.stdout);
  if (r.rc !== 0 || !m) return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() };
  const changedPkgs = r.stdout.split("\n").filter((l) => l.startsWith("KPLAY-CHANGED ")).map((l) => l.slice(14));
  // Refreshing the index alone counts as a change only when nothing else was asked (as Ansible's apt does).
  const changed = changedPkgs.length > 0 || (pkgs.length === 0 && m.cache === "1");
  return { changed, packages: changedPkgs, cache_updated: m.cache === "1", manager: mgr };
}

export const packageModule = defineModule({ name: "package", schema, run: (ctx, a) => run(ctx, a) });
export const aptModule = defineModule({ name: "apt", schema, run: (ctx, a) => run(ctx, a, "apt") });
export const dnfModule = defineModule({ name: "dnf", schema, run: (ctx, a) => run(ctx, a, "dnf") });
export const yumModule = defineModule({ name: "yum", schema, run: (ctx, a) => run(ctx, a, "yum") });
