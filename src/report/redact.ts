// Owns keeping secrets out of every output. One definition of a secret, applied to every source
// of variables (inventory, -e, play vars, vars_files, set_fact and registered facts):
//   - a variable whose name contains password, passwd, pass, secret, token, key or credential, or
//     whose name has the word pw (registry_pw), except names ending in _file, _path, _dir or _url
//     (they say where a secret is, not what it is), and the bare name key (dict2items' and
//     items2dict's field: a mapping's key, the most common loop field); its string or number value
//     of 3+ characters;
//   - the connection and become passwords and key passphrases (their names match the above);
//   - registry and S3 credentials read by the image and bundle commands (added by them);
//   - results of `no_log` tasks, which are censored wholesale instead.
// Masking works on values before any encoding (JSON escaping, console formatting), and the
// same process-wide set masks error messages.

export const SECRET_NAME = /pass|secret|token|key|credential|(^|[_-])(pw|auth)($|[_-])|[_-]pwd$/i;
const NOT_A_SECRET = /_(file|path|dir|url)$|^key$/i;
export const MASK = "********";

/** Is a variable of this name a secret by kplay's definition? */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !NOT_A_SECRET.test(name);
}

export class Redactor {
  private secrets = new Set<string>();
  private sorted: string[] = [];

  addVars(vars: Record<string, unknown>, depth = 0): void {
    if (depth > 8) return;
    for (const [k, v] of Object.entries(vars)) {
      if (isSecretName(k) && (typeof v === "string" || typeof v === "number")) this.addNamed(k, String(v));
      else if (isSecretName(k) && Array.isArray(v)) this.addLeaves(v, depth + 1);
      else if (Array.isArray(v))
        v.forEach((x) => x && typeof x === "object" && this.addVars(x as Record<string, unknown>, depth + 1));
      else if (v && typeof v === "object") this.addVars(v as Record<string, unknown>, depth + 1);
    }
  }

  /**
   * A value named like a secret. A name that is a secret only by the word auth (registry_auth,
   * nginx_auth: basic) masks a value of 8+ characters only: "basic" or "none" is a setting.
   */
  private addNamed(k: string, v: string): void {
    const byAuthOnly = !SECRET_NAME.test(k.replace(/(^|[_-])auth($|[_-])/gi, "$1$2"));
    if (!byAuthOnly || v.length >= 8) this.add(v);
  }

  /** Every string or number in a list under a secret's name (registry_passwords: [a, b]). */
  private addLeaves(v: unknown, depth: number): void {
    if (depth > 8) return;
    if (typeof v === "string" || typeof v === "number") this.add(String(v));
    else if (Array.isArray(v)) v.forEach((x) => this.addLeaves(x, depth + 1));
    else if (v && typeof v === "object") Object.values(v).forEach((x) => this.addLeaves(x, depth + 1));
  }

  add(secret: string | undefined): void {
    if (!secret || secret.length < 3 || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    // the forms a playbook or an encoder turns it into: JSON's escaping (to_json, a JSON -e
    // value), base64 (b64encode, basic auth headers)
    for (const form of [JSON.stringify(secret).slice(1, -1), Buffer.from(secret).toString("base64")])
      if (form !== secret && form.length >= 3) this.secrets.add(form);
    // longest first, so a secret that contains another is masked whole
    this.sorted = [...this.secrets].sort((a, b) => b.length - a.length);
  }

  /** Does the text hold a known secret? */
  holds(s: string): boolean {
    for (const sec of this.sorted) if (s.includes(sec)) return true;
    return false;
  }

  text(s: string): string {
    let out = s;
    for (const sec of this.sorted) if (out.includes(sec)) out = out.split(sec).join(MASK);
    return out;
  }

  value<T>(v: T): T {
    if (typeof v === "string") return (this.sorted.length ? this.text(v) : v) as T;
    if (Array.isArray(v)) return v.map((x) => this.value(x)) as T;
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v))
        out[k] = isSecretName(k) && (typeof x === "string" || typeof x === "number") ? MASK : this.valueUnder(k, x);
      return out as T;
    }
    return v;
  }

  /** A value under the key `k`: under a secret's name, a list's strings and numbers are masked too. */
  private valueUnder(k: string, x: unknown): unknown {
    if (!isSecretName(k) || !Array.isArray(x)) return this.value(x);
    return x.map((e) => (typeof e === "string" || typeof e === "number" ? MASK : this.valueUnder(k, e)));
  }
}

/** The process's secrets: every reporter, the journal and error messages mask with this one. */
export const secrets = new Redactor();
