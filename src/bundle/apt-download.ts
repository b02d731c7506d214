// Owns downloading OS packages for a bundle with every dependency resolved, for a target
// distribution and architecture that need not be the build machine's: apt-get in a private apt
// root (its own sources, lists, cache and dpkg status), so the build machine's apt is never
// touched. Resolution is against the dpkg status of the target as it is before kplay (a file
// taken from a target machine), or against nothing (every dependency included). The cache is
// kept between builds: a re-run downloads only packages that changed.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, linkSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { KplayError } from "../errors.js";
import { makeDirs } from "../make-dirs.js";

export interface AptDownload {
  /** Private apt root, kept between builds (lists and the package cache). */
  root: string;
  /** sources.list lines, e.g. "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] URL bookworm main". */
  sources: string[];
  /** Source files to use as they are (.list or deb822 .sources), e.g. this machine's own. */
  sourceFiles?: string[];
  arch: string;
  packages: string[];
  /** The target's /var/lib/dpkg/status; empty (nothing installed) when undefined. */
  status?: string;
  /** Extra CA for https sources. */
  caFile?: string;
  /** Where the .deb files go (hard links into the cache when possible). */
  into: string;
  /** Also the packages' Recommends, as apt installs them by default (a bundle leaves them out). */
  recommends?: boolean;
}

function aptError(what: string, e: unknown): KplayError {
  const err = String((e as { stderr?: Buffer | string }).stderr ?? (e as Error).message ?? e)
    .trim()
    .split("\n")
    .filter((l) => /^(E:|W:|Err)/.test(l) || l.trim())
    .slice(-4)
    .join(" | ");
  return new KplayError("host", `apt-get ${what} failed: ${err}`, { cause: e });
}

/** Download `packages` and their dependencies into `into`; returns the .deb file names. */
export function downloadDebs(o: AptDownload): string[] {
  if (!o.sources.length && !o.sourceFiles?.length)
    throw new KplayError("usage", "packages need at least one --apt-source");
  const apt = aptRoot(o);
  run(() => apt(["update"]), "update (reading the sources)");
  run(() => apt(["install", "--download-only", ...o.packages]), `install --download-only ${o.packages.join(" ")}`);
  const archives = join(o.root, "var/cache/apt/archives");
  // Packages the target already has are not downloaded by the resolver: fetch them too, so a
  // machine that lacks one still installs from the bundle.
  const have = new Set(debsIn(archives).map((f) => f.split("_")[0]));
  const missing = o.packages.filter((p) => !have.has(p));
  if (missing.length) run(() => apt(["download", ...missing], archives), `download ${missing.join(" ")}`);
  const keep = resolution(apt(["install", "-s", ...o.packages]), o.packages);
  makeDirs(o.into);
  const names: string[] = [];
  for (const f of debsIn(archives).filter(keep)) {
    const dest = join(o.into, f);
    if (!existsSync(dest)) {
      try {
        linkSync(join(archives, f), dest);
      } catch {
        copyFileSync(join(archives, f), dest);
      }
    }
    names.push(f);
  }
  // a package dropped from the resolution leaves the repository
  for (const f of debsIn(o.into).filter((x) => !names.includes(x))) rmSync(join(o.into, f));
  return names.sort();
}

const debsIn = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".deb"));

function run(fn: () => unknown, what: string): void {
  try {
    fn();
  } catch (e) {
    throw aptError(what, e);
  }
}

/** A private apt root (sources, the target's dpkg status, the architecture); returns apt-get run in it. */
function aptRoot(o: AptDownload): (args: string[], cwd?: string) => string {
  const r = o.root;
  for (const d of [
    "etc/apt/sources.list.d",
    "etc/apt/apt.conf.d",
    "etc/apt/preferences.d",
    "etc/apt/trusted.gpg.d",
    "var/lib/apt/lists/partial",
    "var/cache/apt/archives/partial",
    "var/lib/dpkg",
  ])
    makeDirs(join(r, d));
  writeFileSync(join(r, "etc/apt/sources.list"), `${o.sources.join("\n")}\n`);
  for (const f of readdirSync(join(r, "etc/apt/sources.list.d"))) rmSync(join(r, "etc/apt/sources.list.d", f));
  (o.sourceFiles ?? []).forEach((f, i) =>
    copyFileSync(
      f,
      join(r, "etc/apt/sources.list.d", `${i}-${basename(f) === "sources.list" ? "main.list" : basename(f)}`),
    ),
  );
  const status = join(r, "var/lib/dpkg/status");
  if (o.status) copyFileSync(o.status, status);
  else writeFileSync(status, "");
  const opts = [
    "-o",
    `Dir=${r}`,
    "-o",
    `Dir::State::status=${status}`,
    "-o",
    `APT::Architecture=${o.arch}`,
    "-o",
    `APT::Architectures::=${o.arch}`,
    "-o",
    "Debug::NoLocking=1",
    "-o",
    `APT::Install-Recommends=${o.recommends ? "true" : "false"}`,
    "-o",
    "APT::Sandbox::User=root",
    ...(o.caFile ? ["-o", `Acquire::https::CaInfo=${o.caFile}`] : []),
  ];
  return (args, cwd) =>
    execFileSync("apt-get", ["-q", "-y", ...opts, ...args], {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
}

/**
 * Which cached .deb files this resolution needs (the cache may also hold older versions): what
 * `apt-get install -s` would install, by name and version, plus the requested ones the target already has.
 */
function resolution(simulated: string, requested: string[]): (deb: string) => boolean {
  const wanted = new Set(
    simulated
      .split("\n")
      .map((l) => /^Inst (\S+) (?:\[[^\]]*\] )?\((\S+)/.exec(l))
      .filter((m): m is RegExpExecArray => !!m)
      .map((m) => `${m[1].split(":")[0]}_${m[2].replace(/:/g, "%3a")}`),
  );
  const wantedNames = new Set([...wanted].map((w) => w.split("_")[0]));
  return (f) => {
    const name = f.split("_")[0];
    return wanted.has(f.split("_").slice(0, 2).join("_")) || (requested.includes(name) && !wantedNames.has(name));
  };
}

/** This machine's own apt source files (sources.list and sources.list.d/*.list|*.sources). */
export function hostAptSources(): string[] {
  const out: string[] = [];
  if (
    existsSync("/etc/apt/sources.list") &&
    readFileSync("/etc/apt/sources.list", "utf8")
      .split("\n")
      .some((l) => /^\s*deb\s/.test(l))
  )
    out.push("/etc/apt/sources.list");
  if (existsSync("/etc/apt/sources.list.d"))
    for (const f of readdirSync("/etc/apt/sources.list.d").sort())
      if (/\.(list|sources)$/.test(f)) out.push(join("/etc/apt/sources.list.d", f));
  return out;
}
