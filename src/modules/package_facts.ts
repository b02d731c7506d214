// Owns the `package_facts` module: the installed packages into the fact `packages` (name → a list
// of {name, version, arch, ...}), as Ansible 2.14's module gives them for apt (Debian family) and
// rpm (RedHat family). apt's entries carry the package's section as category and the origin of
// the first repository list that holds the installed version ("" when none does: installed from
// elsewhere, or a version the lists no longer carry), read from the node's apt lists and their
// Release files as python3-apt reads them. One round trip; the node's answer is data.
import { z } from "zod";
import { raw, sh } from "../transport/sh.js";
import { defineModule, type ModuleResult } from "./types.js";

const MANAGERS = ["auto", "apt", "rpm"] as const;

const schema = z
  .object({
    manager: z
      .union([z.array(z.string()), z.string().transform((s) => s.split(",").map((x) => x.trim()))])
      .default(["auto"]),
    strategy: z.enum(["first", "all"]).default("first"),
  })
  .strict();

// dpkg's installed packages ("name arch version section"), then the origin of each installed
// version found in a list: awk reads the installed set, then every *_Packages list with the
// Origin of its Release file (the list's name up to its dists/SUITE part, or the flat repo's own);
// a list kept compressed (lz4, gz, xz) is read through apt's own helper.
const APT =
  raw(`dpkg-query -W -f '\${db:Status-Abbrev} \${Package} \${Architecture} \${Version} \${Section}\\n' 2>/dev/null |
  awk '$1 ~ /^.i/ {print "P", $2, $3, $4, $5}' > "$t_/installed"
cat "$t_/installed"
h_=/usr/lib/apt/apt-helper; [ -x "$h_" ] || h_=
for l in /var/lib/apt/lists/*_Packages /var/lib/apt/lists/*_Packages.*; do
  [ -f "$l" ] || continue
  r=$(echo "$l" | sed 's/_Packages[.][a-z0-9]*$/_Packages/; s/_[^_]*_binary-[^_]*_Packages$//; s/_Packages$//')
  o=$(sed -n 's/^Origin: //p' "$r"_InRelease "$r"_Release 2>/dev/null | head -n1)
  { if [ -n "$h_" ]; then "$h_" cat-file "$l"; else cat "$l"; fi; } 2>/dev/null |
    awk -v origin="$o" 'FNR == NR { want[$2 " " $4] = 1; next }
    /^Package: / { p = $2 } /^Version: / { v = $2 } /^Section: / { c = $2 }
    /^$/ { if ((p " " v) in want) print "O", p, v, c, origin; p = ""; v = ""; c = "" }
    END { if ((p " " v) in want) print "O", p, v, c, origin }' "$t_/installed" -
done`);

const RPM = raw(
  String.raw`rpm -qa --qf '%{NAME}\t%{EPOCHNUM}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\n' 2>/dev/null | sed 's/^/R\t/'`,
);

function script(managers: string[], strategy: "first" | "all") {
  const auto = managers.includes("auto");
  const want = (m: string) => auto || managers.includes(m);
  const stop = strategy === "first" ? raw("exit 0") : raw(":");
  return sh`t_=$(mktemp -d) || exit 1; trap 'rm -rf -- "$t_"' EXIT; found=
if ${want("apt") ? raw("command -v dpkg-query >/dev/null 2>&1") : raw("false")}; then found=1; echo M apt
${APT}
${stop}; fi
if ${want("rpm") ? raw("command -v rpm >/dev/null 2>&1") : raw("false")}; then found=1; echo M rpm
${RPM}
fi
[ -n "$found" ] || exit 3`;
}

interface Pkg {
  name: string;
  version: string;
  [k: string]: unknown;
}

/** The script's lines as Ansible's packages fact (several versions of one name: one entry each). */
export function parsePackages(stdout: string): Record<string, Pkg[]> {
  // the first list holding the installed version: its section and its repository's origin
  const listed = new Map<string, { section: string; origin: string }>();
  for (const line of stdout.split("\n").filter((l) => l.startsWith("O "))) {
    const [, name, version, section, ...origin] = line.split(" ");
    const key = `${name} ${version}`;
    if (!listed.has(key)) listed.set(key, { section, origin: origin.join(" ") });
  }
  const out: Record<string, Pkg[]> = {};
  const add = (p: Pkg) => (out[p.name] ??= []).push(p);
  for (const line of stdout.split("\n")) {
    if (line.startsWith("P ")) {
      const [, full, arch, version, category = ""] = line.split(" ");
      const name = full.split(":")[0];
      const found = listed.get(`${full} ${version}`);
      add({ name, version, arch, category: found?.section || category, origin: found?.origin ?? "", source: "apt" });
    } else if (line.startsWith("R\t")) {
      const [, name, epoch, version, release, arch] = line.split("\t");
      add({ name, version, release, epoch: epoch === "0" ? null : Number(epoch), arch, source: "rpm" });
    }
  }
  return out;
}

export const packageFactsModule = defineModule({
  name: "package_facts",
  undo: "none",
  idempotent: true,
  schema,
  run: async (ctx, a): Promise<ModuleResult> => {
    const unknown = a.manager.filter((m) => !(MANAGERS as readonly string[]).includes(m));
    if (unknown.length)
      return {
        changed: false,
        failed: true,
        msg: `kplay's package_facts reads apt and rpm, not: ${unknown.join(", ")}`,
      };
    const r = await ctx.exec(script(a.manager, a.strategy));
    if (r.rc === 3)
      return {
        changed: false,
        failed: true,
        msg: `Could not detect a supported package manager from the following list: ${a.manager.join(", ")}`,
      };
    if (r.rc !== 0)
      return { changed: false, failed: true, rc: r.rc, msg: r.stderr.trim() || "reading packages failed" };
    return { changed: false, ansible_facts: { packages: parsePackages(r.stdout) } };
  },
});
