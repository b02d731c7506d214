// Owns the Ansible INI inventory format: [group], [group:children], [group:vars], inline
// key=value host vars (parsed as literals, as Ansible does), host:port, ranges, # and ; comments.
import { inputError, type Where } from "../errors.js";
import { shlexSplit } from "../shlex.js";
import { InventoryBuilder, type Vars } from "./model.js";
import { expandHostRange } from "./ranges.js";

type Section = { group: string; kind: "hosts" | "children" | "vars" };

export function readIniInventory(text: string, file: string, b: InventoryBuilder): void {
  let section: Section = { group: "ungrouped", kind: "hosts" };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const line = raw.trim();
    const where: Where = { file, line: i + 1, column: raw.length - raw.trimStart().length + 1 };
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const head = /^\[([^\]]+)\]\s*(?:[#;].*)?$/.exec(line);
    if (head) {
      const [group, kind = "hosts"] = head[1].trim().split(":");
      if (!["hosts", "children", "vars"].includes(kind)) {
        throw inputError(
          `unknown section suffix ":${kind}" in [${head[1]}]`,
          where,
          "use [group], [group:children] or [group:vars]",
        );
      }
      section = { group, kind: kind as Section["kind"] };
      b.defineGroup(group);
      continue;
    }
    const tokens = splitTokens(line, where);
    if (section.kind === "children") {
      if (tokens.length !== 1)
        throw inputError(`a [${section.group}:children] line holds one group name, got "${line}"`, where);
      b.addChild(section.group, tokens[0], where);
    } else if (section.kind === "vars") {
      const eq = line.indexOf("=");
      if (eq < 1) throw inputError(`expected key=value in [${section.group}:vars], got "${line}"`, where);
      // Values are Python literals, as ansible's ini plugin reads them (quoted -> string).
      b.setGroupVars(section.group, { [line.slice(0, eq).trim()]: literal(line.slice(eq + 1).trim()) });
    } else {
      const [hostTok, ...rest] = tokens;
      const vars: Vars = {};
      for (const tok of rest) {
        const eq = tok.indexOf("=");
        if (eq < 1) throw inputError(`expected key=value after host name, got "${tok}"`, where);
        vars[tok.slice(0, eq)] = literal(tok.slice(eq + 1));
      }
      let hostPattern = hostTok;
      const portM = /^([^[\]:]+|.*\])(?::(\d+))$/.exec(hostTok);
      if (portM) {
        hostPattern = portM[1];
        vars.ansible_port = Number(portM[2]);
      }
      for (const host of expandHostRange(hostPattern, where)) b.addHost(section.group, host, vars, where);
    }
  }
}

/** Split on whitespace, honouring quotes (shlex-like), stopping at a comment. */
function splitTokens(line: string, where: Where): string[] {
  try {
    return shlexSplit(line, { comments: true });
  } catch (e) {
    throw inputError((e as Error).message, where);
  }
}

/** INI values are Python literals in Ansible (ast.literal_eval): ints, floats, True/False/None,
 * quoted strings, lists and dicts; anything else stays a string. */
function literal(v: string): unknown {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) return v.slice(1, -1);
  if (/^-?\d+$/.test(v)) return Number(v);
  if (/^-?\d+\.\d+$/.test(v)) return Number(v);
  if (v === "True") return true;
  if (v === "False") return false;
  if (v === "None") return null;
  if (/^[[{]/.test(v)) {
    try {
      return JSON.parse(v.replace(/'/g, '"'));
    } catch {
      return v;
    }
  }
  return v;
}
