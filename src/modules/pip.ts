// Owns the `pip` module as Ansible's: install, upgrade or remove Python packages (by name, with
// version specifiers, or from a requirements file) with the node's pip, optionally in a
// virtualenv it creates first. Air-gapped sites point pip at a local wheel directory or index
// through extra_args (--no-index --find-links DIR). One round trip: the script finds pip (the
// interpreter's `-m pip`, else pip3; the virtualenv's own; or `executable`), runs it and reports
// pip's words, from which `changed` is read as Ansible reads it. Packages new to the node are
// logged for undo (uninstalled again).
import { z } from "zod";
import { shlexSplit } from "../shlex.js";
import { joinSh, raw, sh, type Sh } from "../transport/sh.js";
import { isPresent, parseRequirement, recoverNames } from "./pip-requirement.js";
import { defineModule, readMarker, type ModuleContext, type ModuleResult } from "./types.js";
import { recordScriptExpr } from "./undo.js";

const ACTIONS = {
  present: ["install"],
  absent: ["uninstall", "-y"],
  latest: ["install", "-U"],
  forcereinstall: ["install", "-U", "--force-reinstall"],
} as const;
/** Of pip's output, only this much of its end comes back (bounded memory). */
const OUTPUT_BYTES = 65536;

const schema = z
  .object({
    name: z.union([z.string(), z.array(z.string())]).optional(),
    version: z.string().optional(),
    requirements: z.string().optional(),
    state: z.enum(["present", "absent", "latest", "forcereinstall"]).default("present"),
    virtualenv: z.string().optional(),
    virtualenv_site_packages: z.boolean().default(false),
    virtualenv_command: z.string().default("virtualenv"),
    virtualenv_python: z.string().optional(),
    extra_args: z.string().optional(),
    editable: z.boolean().default(false),
    chdir: z.string().optional(),
    executable: z.string().optional(),
    umask: z
      .string()
      .regex(/^[0-7]{1,4}$/, "umask must be an octal integer")
      .optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    const problem = refused(a);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
type Args = z.infer<typeof schema>;

const nameList = (a: Args) => (a.name === undefined ? [] : Array.isArray(a.name) ? a.name : a.name.split(","));

/** Ansible's refusals, in its words. */
function refused(a: Args): string | undefined {
  if (a.name === undefined && a.requirements === undefined)
    return "one of the following is required: name, requirements";
  if (a.name !== undefined && a.requirements !== undefined)
    return "parameters are mutually exclusive: name|requirements";
  if (a.executable !== undefined && a.virtualenv !== undefined)
    return "parameters are mutually exclusive: executable|virtualenv";
  if (a.state === "latest" && a.version !== undefined) return "version is incompatible with state=latest";
  if (a.version === undefined) return undefined;
  const names = recoverNames(nameList(a));
  if (names.length > 1)
    return (
      "'version' argument is ambiguous when installing multiple package distributions. " +
      "Please specify version restrictions next to each package in 'name' argument."
    );
  if (parseRequirement(names[0] ?? "").specifiers.length)
    return (
      "The 'version' argument conflicts with any version specifier provided along with a package name. " +
      "Please keep the version specifier, but remove the 'version' argument."
    );
  return undefined;
}

const isVcs = (n: string) => /^(svn|git|hg|bzr)\+/.test(n);

/** The requirement words pip is given (the `version` joined to the one name). */
const requirements = (a: Args) => recoverNames(nameList(a)).map((n) => parseRequirement(n, a.version));

/** venv: the virtualenv's directory (made relative to chdir as Ansible does). */
function venvDir(a: Args): string | undefined {
  if (a.virtualenv === undefined) return undefined;
  return a.chdir !== undefined && !a.virtualenv.startsWith("/") ? `${a.chdir}/${a.virtualenv}` : a.virtualenv;
}

/** Make the virtualenv when it has no bin/activate yet (Ansible's setup_virtualenv). */
function makeVenv(a: Args, venv: string, python: string, check: boolean): Sh {
  const cmd = shlexSplit(a.virtualenv_command);
  if (a.virtualenv_site_packages) cmd.push("--system-site-packages");
  // -p is virtualenv's own option; venv and pyvenv have none
  const isVenv = ["pyvenv", "-m venv"].some((x) => a.virtualenv_command.includes(x));
  if (!isVenv) cmd.push(`-p${a.virtualenv_python ?? python}`);
  const made = check
    ? raw(`echo "KPLAY-RESULT: venv=1 check=1"; exit 0`)
    : sh`${cmd} ${venv} >>"$o_" 2>>"$e_" || { rc_=$?; report_ $rc_; exit 0; }; venv_=1`;
  return sh`if [ ! -e ${`${venv}/bin/activate`} ]; then ${made}; fi`;
}

/** sh: `set --` to pip's words and u_ to the undo's prefix (both chosen from words known here). */
function findPip(a: Args, venv: string | undefined, python: string): Sh {
  const use = (words: string[]) =>
    sh`set -- ${words}; u_=${sh`${words} uninstall -y --`.text}; echo ${`KPLAY-PIP: ${JSON.stringify(words)}`}`;
  const missing = (msg: string) => sh`echo ${msg} >&2; exit 3`;
  if (a.executable !== undefined)
    return a.executable.startsWith("/")
      ? use([a.executable])
      : sh`if command -v -- ${a.executable} >/dev/null 2>&1; then ${use([a.executable])}; else ${missing(
          `Unable to find any of ${a.executable} to use.  pip needs to be installed.`,
        )}; fi`;
  if (venv !== undefined) {
    const [p3, p] = [`${venv}/bin/pip3`, `${venv}/bin/pip`];
    const msg =
      `Unable to find pip in the virtualenv, ${venv}, under any of these names: pip3, pip. ` +
      `Make sure pip is present in the virtualenv.`;
    return sh`if [ -x ${p3} ]; then ${use([p3])}; elif [ -x ${p} ]; then ${use([p])}; else ${missing(msg)}; fi`;
  }
  return joinSh([
    sh`if ${python} -m pip --version >/dev/null 2>&1; then ${use([python, "-m", "pip"])}`,
    sh`elif command -v pip3 >/dev/null 2>&1; then ${use(["pip3"])}`,
    sh`else ${missing("Unable to find any of pip3 to use.  pip needs to be installed.")}; fi`,
  ]);
}

/** The pip command's arguments after pip itself (Ansible's cmd without the pip words). */
function pipArgs(a: Args): string[] {
  const extra = shlexSplit(a.extra_args ?? "");
  if (a.editable && !extra.includes("-e")) extra.push("-e");
  const operands =
    a.requirements !== undefined ? ["-r", a.requirements] : ["--", ...requirements(a).map((r) => r.text)];
  return [...ACTIONS[a.state], ...extra, ...operands];
}

/** Packages in the freeze after that were not in the one before: each logged to be uninstalled again. */
const RECORD_NEW = joinSh([
  raw(`awk -F'==' 'NR==FNR { seen[tolower($1)] = 1; next } !(tolower($1) in seen) { print $1 }' "$b_" "$a_" |`),
  raw(`while read -r n_; do case $n_ in ''|*[!A-Za-z0-9._-]*) continue;; esac;`),
  // the key names the pip (its words) so two virtualenvs' packages are two entries
  recordScriptExpr(raw(`"pip:$u_ $n_"`), raw(`"$u_ $n_"`)),
  raw(`done`),
]);

/** sh: the end of a file the script wrote, base64 on one line after `tag:`. */
const b64Of = (tag: string, file: Sh) =>
  sh`printf ${`${tag}: %s\\n`} "$(tail -c ${OUTPUT_BYTES} ${file} | base64 | tr -d '\\n')"`;
const REPORT = raw(`echo "KPLAY-RESULT: rc=$1 venv=$venv_ freeze=$fr_"`);
const [OUT, ERR, BEFORE] = [raw(`"$o_"`), raw(`"$e_"`), raw(`"$b_"`)];

function script(a: Args, ctx: ModuleContext): Sh {
  const python = String(ctx.vars.ansible_python_interpreter ?? "python3");
  const venv = venvDir(a);
  const freeze = raw(`"$@" list --format=freeze`);
  return joinSh([
    raw(`o_=$(mktemp) && e_=$(mktemp) && b_=$(mktemp) && a_=$(mktemp) || exit 1`),
    raw(`trap 'rm -f -- "$o_" "$e_" "$b_" "$a_"' EXIT`),
    raw(`venv_=0; fr_=0`),
    sh`report_() { ${b64Of("KPLAY-OUT", OUT)}; ${b64Of("KPLAY-ERR", ERR)}; ${REPORT}; }`,
    sh`cd -- ${a.chdir ?? "/tmp"} || exit 1`,
    a.umask !== undefined ? sh`umask ${a.umask}` : undefined,
    venv !== undefined ? makeVenv(a, venv, python, ctx.check) : undefined,
    findPip(a, venv, python),
    sh`${freeze} >"$b_" 2>/dev/null`,
    ctx.check ? joinSh([b64Of("KPLAY-FREEZE", BEFORE), raw(`echo "KPLAY-RESULT: check=1"; exit 0`)]) : undefined,
    venv !== undefined ? sh`PATH=${`${venv}/bin`}:$PATH; export PATH` : undefined,
    sh`"$@" ${pipArgs(a)} >>"$o_" 2>>"$e_"; rc_=$?`,
    sh`${freeze} >"$a_" 2>/dev/null; cmp -s "$b_" "$a_" || fr_=1`,
    ctx.undo.enabled ? RECORD_NEW : undefined,
    raw(`report_ $rc_`),
  ]);
}

const decoded = (stdout: string, tag: string) =>
  Buffer.from(new RegExp(`^${tag}: (.*)$`, "m").exec(stdout)?.[1] ?? "", "base64").toString("utf8");

/** Check mode: changed unless every named package is (or, for absent, none is) already there. */
function checkResult(a: Args, stdout: string, m: Record<string, string>): ModuleResult {
  if (m.venv === "1" || a.extra_args || a.requirements !== undefined || a.state === "latest") return { changed: true };
  const freeze = decoded(stdout, "KPLAY-FREEZE");
  const present = requirements(a).map((r) => isPresent(r, freeze));
  const changed = a.state === "absent" ? present.some(Boolean) : present.some((p) => !p);
  return { changed, stdout: freeze };
}

async function run(ctx: ModuleContext, a: Args): Promise<ModuleResult> {
  const r = await ctx.exec(script(a, ctx), { timeoutMs: 60 * 60_000 });
  const m = readMarker(r.stdout);
  if (!m) return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() };
  if (m.check === "1") return checkResult(a, r.stdout, m);
  const [out, err] = [decoded(r.stdout, "KPLAY-OUT"), decoded(r.stdout, "KPLAY-ERR")];
  const pip = /^KPLAY-PIP: (.*)$/m.exec(r.stdout)?.[1];
  const cmd = [...(pip ? (JSON.parse(pip) as string[]) : []), ...pipArgs(a)];
  const rc = Number(m.rc);
  const notInstalled = rc === 1 && a.state === "absent" && /not installed/.test(out + err);
  if (rc !== 0 && !notInstalled) {
    const msg = (out ? `stdout: ${out}` : "") + (err ? `\n:stderr: ${err}` : "");
    return { changed: m.venv === "1", failed: true, cmd, msg, rc };
  }
  const byWords = a.state === "absent" ? /Successfully uninstalled/.test(out) : /Successfully installed/.test(out);
  const byFreeze = a.requirements !== undefined || nameList(a).some(isVcs);
  const changed = (byFreeze ? m.freeze === "1" : byWords) || m.venv === "1";
  const { name, version, state, requirements: reqs } = a;
  return {
    changed,
    cmd,
    name: name ?? null,
    version: version ?? null,
    state,
    requirements: reqs ?? null,
    virtualenv: venvDir(a) ?? null,
    stdout: out,
    stderr: err,
  };
}

export const pipModule = defineModule({ name: "pip", undo: "recorded", schema, run });
