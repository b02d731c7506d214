// Owns keeping secrets out of every output. One definition of a secret, applied to every source
// of variables (inventory, -e, play vars, vars_files, set_fact and registered facts):
//   - a variable whose name contains password, passwd, pass, secret, token, key or credential, or
//     whose name has the word pw (registry_pw), except names ending in _file, _path, _dir or _url
//     (they say where a secret is, not what it is); its string or number value of 3+ characters;
//   - the connection and become passwords and key passphrases (their names match the above);
//   - registry and S3 credentials read by the image and bundle commands (added by them);
//   - results of `no_log` tasks, which are censored wholesale instead.
// Masking works on values before any encoding (JSON escaping, console formatting), and the
// same process-wide set masks error messages.

export const SECRET_NAME = /pass|secret|token|key|credential|(^|[_-])pw($|[_-])/i;
const NOT_A_SECRET = /_(file|path|dir|url)$/i;
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
      if (isSecretName(k) && (typeof v === "string" || typeof v === "number")) this.add(String(v));
      else if (Array.isArray(v))
        v.forEach((x) => x && typeof x === "object" && this.addVars(x as Record<string, unknown>, depth + 1));
      else if (v && typeof v === "object") this.addVars(v as Record<string, unknown>, depth + 1);
    }
  }

  add(secret: string | undefined): void {
    if (!secret || secret.length < 3 || this.secrets.has(secret)) return;
    this.secrets.add(secret);
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
        out[k] = isSecretName(k) && (typeof x === "string" || typeof x === "number") ? MASK : this.value(x);
      return out as T;
    }
    return v;
  }
}

/** The process's secrets: every reporter, the journal and error messages mask with this one. */
export const secrets = new Redactor();
