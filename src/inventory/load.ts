// Owns finding and reading inventory sources: a YAML or INI file, a directory of them, the
// `inventory:` section of a kubeplay-style config.yaml, and group_vars/ + host_vars/ beside them.
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { inputError, KplayError } from "../errors.js";
import { isIP } from "node:net";
import { clusterVars, parseClusterConfig } from "../config/cluster.js";
import { parseYaml, readYamlFile, type YamlSource } from "../yaml-source.js";
import { readTextInput } from "../input-file.js";
import { checkClusterConfig } from "../config/cluster-checks.js";
import { readIniInventory } from "./ini.js";
import { Inventory, InventoryBuilder, type Vars } from "./model.js";
import { readYamlInventory } from "./yaml.js";

const YAML_EXT = new Set([".yml", ".yaml", ".json"]);
// Files Ansible skips inside an inventory directory (INVENTORY_IGNORE_EXTS), .ini included.
const IGNORED_EXT = new Set([
  ".pyc",
  ".pyo",
  ".swp",
  ".bak",
  ".rpm",
  ".md",
  ".txt",
  ".rst",
  ".orig",
  ".ini",
  ".cfg",
  ".retry",
]);
const KUBEPLAY_SECTIONS = ["compose", "kubespray", "inventory", "default"];

export function loadInventory(paths: string[]): Inventory {
  if (paths.length === 0)
    throw new KplayError("usage", "no inventory given", { hint: "pass -i INVENTORY or -c config.yaml" });
  const b = new InventoryBuilder(paths);
  const varDirs: string[] = [];
  for (const p of paths) {
    if (isHostList(p)) {
      readHostList(p, b);
      continue;
    }
    if (!existsSync(p)) throw inputError("inventory not found", { file: p });
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p).sort()) {
        const full = join(p, f);
        if (
          f.startsWith(".") ||
          f.endsWith("~") ||
          f === "group_vars" ||
          f === "host_vars" ||
          IGNORED_EXT.has(extname(f))
        )
          continue;
        if (statSync(full).isFile()) readInventoryFile(full, b);
      }
      varDirs.push(p);
    } else {
      readInventoryFile(p, b);
      varDirs.push(dirname(p));
    }
  }
  for (const d of varDirs) applyVarDirs(d, b);
  const inv = b.build();
  if (inv.hostNames.length === 0) {
    const skippedIni = paths.some((p) => statSync(p).isDirectory() && readdirSync(p).some((f) => f.endsWith(".ini")));
    throw inputError(
      "the inventory has no hosts",
      { file: paths.join(", ") },
      skippedIni
        ? "*.ini files inside an inventory directory are skipped, as Ansible does: pass the file itself with -i"
        : "add hosts under all.hosts or a [group] section",
    );
  }
  return inv;
}

/**
 * Read a kubeplay-style config.yaml: its `inventory:` section, plus the cluster variables of its
 * other sections (validated; lower precedence than the inventory's own variables). Without a
 * `bootstrap` host or group, the controller itself is the bootstrap host (local connection).
 */
export function loadConfigInventory(configFile: string): Inventory {
  const src = readYamlFile(configFile);
  const cfg = parseClusterConfig(src);
  const b = new InventoryBuilder([configFile]);
  readKubeplaySection(src, b);
  applyVarDirs(dirname(configFile), b);
  if (!b.hasGroup("bootstrap") && b.hostVar("bootstrap", "ansible_host") === undefined) {
    b.addHost("bootstrap", "bootstrap", { ansible_connection: "local" }, { file: configFile });
  }
  const boot = b.groupMembers("bootstrap")[0] ?? "bootstrap";
  const bootIp = [b.hostVar(boot, "ip"), b.hostVar(boot, "ansible_host")].find(
    (v): v is string => typeof v === "string" && isIP(v) !== 0 && !v.startsWith("127."),
  );
  b.defaultGroupVars("all", clusterVars(cfg, src, bootIp));
  defaultNodeAddresses(b);
  const inv = b.build();
  if (inv.hostNames.length === 0)
    throw inputError("the config's inventory section has no hosts", { file: configFile, field: "inventory" });
  checkClusterConfig(src, inv);
  return inv;
}

/**
 * Ansible's host_list source: `-i 'node1,10.0.0.5:2222,'` names hosts, not a file (a comma and no
 * slash, and no such file). The hosts are ungrouped; a :PORT becomes their ansible_port.
 */
export function isHostList(source: string): boolean {
  return source.includes(",") && !source.includes("/") && !existsSync(source);
}

function readHostList(source: string, b: InventoryBuilder): void {
  for (const entry of source.split(",").map((h) => h.trim())) {
    if (!entry) continue;
    const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry) ?? /^([^:]+):(\d+)$/.exec(entry);
    const [name, port] = m ? [m[1], m[2]] : [entry, undefined];
    b.addHost("ungrouped", name, port ? { ansible_port: Number(port) } : {}, { file: source, field: name });
  }
}

/**
 * kubeplay's inventories give a node only `ansible_host`; kubespray then takes `ip` from the
 * node's facts (its default IPv4 address). kplay checks the topology before any node is reached,
 * so a node without `ip` whose ansible_host is an address gets that address as `ip` (give `ip`
 * when the node network is another interface).
 */
function defaultNodeAddresses(b: InventoryBuilder): void {
  for (const h of b.hostNames()) {
    const addr = b.hostVar(h, "ansible_host");
    if (typeof addr === "string" && isIP(addr) !== 0 && !isLoopback(addr)) b.defaultHostVar(h, "ip", addr);
  }
}

const isLoopback = (addr: string) => addr.startsWith("127.") || addr === "::1";

function readInventoryFile(file: string, b: InventoryBuilder): void {
  const text = readTextInput(file);
  if (YAML_EXT.has(extname(file)) || looksLikeYaml(text)) {
    const src = parseYaml(text, file);
    if (isKubeplayConfig(src.data)) readKubeplaySection(src, b);
    else readYamlInventory(src, b);
  } else {
    readIniInventory(text, file, b);
  }
}

function looksLikeYaml(text: string): boolean {
  const first = text.split(/\r?\n/).find((l) => l.trim() && !l.trim().startsWith("#"));
  return !!first && (first.trim() === "---" || /^[A-Za-z0-9_.-]+:\s*$/.test(first.trim()));
}

function isKubeplayConfig(data: unknown): data is Record<string, unknown> {
  if (!data || typeof data !== "object" || Array.isArray(data)) return false;
  const keys = Object.keys(data);
  return keys.includes("inventory") && keys.some((k) => k !== "inventory" && KUBEPLAY_SECTIONS.includes(k));
}

function readKubeplaySection(src: YamlSource, b: InventoryBuilder): void {
  const data = src.data as Record<string, unknown> | null;
  if (!data || typeof data !== "object" || !("inventory" in data)) {
    throw inputError("the config has no inventory section", { file: src.file, field: "inventory" });
  }
  const inv = data.inventory;
  if (inv === null || typeof inv !== "object" || Array.isArray(inv)) {
    throw inputError("inventory must be a mapping (an Ansible YAML inventory, usually starting with all:)", {
      file: src.file,
      ...src.pos(["inventory"]),
      field: "inventory",
    });
  }
  readYamlInventory({ ...src, data: inv }, b, ["inventory"]);
}

/** group_vars/<group>[.yml|.yaml|.json|/ *.yml] and host_vars/<host>… beside an inventory. */
function applyVarDirs(dir: string, b: InventoryBuilder): void {
  for (const kind of ["group_vars", "host_vars"] as const) {
    const base = join(dir, kind);
    if (!existsSync(base) || !statSync(base).isDirectory()) continue;
    for (const entry of readdirSync(base).sort()) {
      if (entry.startsWith(".")) continue;
      const full = join(base, entry);
      const name = YAML_EXT.has(extname(entry)) ? basename(entry, extname(entry)) : entry;
      const files = statSync(full).isDirectory()
        ? readdirSync(full)
            .sort()
            .filter((f) => YAML_EXT.has(extname(f)) || extname(f) === "")
            .map((f) => join(full, f))
        : [full];
      for (const f of files) {
        const src = readYamlFile(f);
        if (src.data === null || src.data === undefined) continue;
        if (typeof src.data !== "object" || Array.isArray(src.data)) {
          throw inputError(`${kind} file must be a mapping of variables`, { file: f, line: 1 });
        }
        if (kind === "group_vars") {
          if (b.hasGroup(name)) b.setGroupVars(name, src.data as Vars);
        } else {
          b.setHostVars(name, src.data as Vars, { file: f, line: 1 });
        }
      }
    }
  }
}
