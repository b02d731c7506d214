// Owns reading pip requirement words as Ansible's pip module does ("psutil==5.8.0", "foo>=1,<2",
// a name split at its commas by a list argument) and telling whether `pip list --format=freeze`
// already satisfies one (only check mode needs to know: outside it pip itself decides).

export interface Requirement {
  /** The words pip is given. */
  text: string;
  /** PEP 503 normalized name. */
  name: string;
  specifiers: { op: string; version: string }[];
}

const OPS = ["===", "~=", "==", "!=", "<=", ">=", "<", ">"];

/** PEP 503: lower case, runs of -_. become one "-". */
export const normalizeName = (n: string) => n.toLowerCase().replace(/[-_.]+/g, "-");

/** Ansible's _recover_package_name: a version range cut at its comma ("foo>=1", "<2") is one requirement again. */
export function recoverNames(names: string[]): string[] {
  const out: string[] = [];
  for (const n of names.map((x) => x.trim()).filter(Boolean)) {
    if (out.length && /^[<>=!~]/.test(n)) out[out.length - 1] += `,${n}`;
    else out.push(n);
  }
  return out;
}

/** A requirement from a name word and the module's `version` ("1.0" means ==1.0, ">=1" stays as written). */
export function parseRequirement(word: string, version?: string): Requirement {
  let text = word.trim();
  if (version !== undefined) {
    const v = version.trim();
    text = /^\d/.test(v) ? `${text}==${v}` : `${text} ${v}`;
  }
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$/.exec(text);
  const name = normalizeName(m ? m[1] : text);
  const specifiers: Requirement["specifiers"] = [];
  for (const part of (m?.[3] ?? "").split(",")) {
    const p = part.trim();
    const op = OPS.find((o) => p.startsWith(o));
    if (op) specifiers.push({ op, version: p.slice(op.length).trim() });
  }
  return { text, name, specifiers };
}

/** PEP 440, simplified: release, then optional pre (a/b/rc…), post and dev parts. */
const VERSION = new RegExp(
  [
    /^v?(\d+(?:\.\d+)*)/.source,
    /(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d*))?/.source,
    /(?:[-_.]?(post|rev|r)[-_.]?(\d*))?/.source,
    /(?:[-_.]?(dev)[-_.]?(\d*))?/.source,
  ].join(""),
  "i",
);

/** A version as comparable parts: release numbers, then a pre/post/dev rank (PEP 440, simplified). */
function versionKey(v: string): number[] {
  const m = VERSION.exec(v.trim());
  if (!m) return [0];
  const release = m[1].split(".").map(Number);
  while (release.length > 1 && release[release.length - 1] === 0) release.pop();
  const preRank = m[2] ? ({ a: 1, alpha: 1, b: 2, beta: 2 }[m[2].toLowerCase()] ?? 3) : 4;
  // a dev release of a final version sorts before its pre-releases
  const rank = m[6] && !m[2] && !m[4] ? 0 : preRank;
  return [...release, -1, rank, Number(m[3] || 0), m[4] ? Number(m[5] || 0) + 1 : 0, m[6] ? -1 : 0];
}

function compare(a: string, b: string): number {
  const ka = versionKey(a);
  const kb = versionKey(b);
  for (let i = 0; i < Math.max(ka.length, kb.length); i++) {
    const d = (ka[i] ?? 0) - (kb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

function satisfies(version: string, s: { op: string; version: string }): boolean {
  if (s.op === "===") return version === s.version;
  if (s.version.endsWith(".*")) {
    const prefix = s.version.slice(0, -2).split(".");
    const same = prefix.every((p, i) => Number(version.split(".")[i] ?? 0) === Number(p));
    return s.op === "!=" ? !same : same;
  }
  const c = compare(version, s.version);
  if (s.op === "~=") {
    const parts = s.version.split(".");
    const prefix = parts.slice(0, Math.max(1, parts.length - 1)).join(".");
    return c >= 0 && satisfies(version, { op: "==", version: `${prefix}.*` });
  }
  return { "==": c === 0, "!=": c !== 0, "<=": c <= 0, ">=": c >= 0, "<": c < 0, ">": c > 0 }[s.op] ?? false;
}

/** Whether a `pip list --format=freeze` output holds the requirement (Ansible's _is_present). */
export function isPresent(req: Requirement, freeze: string): boolean {
  for (const line of freeze.split("\n")) {
    const i = line.indexOf("==");
    if (i < 0 || normalizeName(line.slice(0, i)) !== req.name) continue;
    const version = line.slice(i + 2).trim();
    return req.specifiers.every((s) => satisfies(version, s));
  }
  return false;
}
