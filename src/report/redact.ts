// Owns keeping secrets out of every output: collects secret values (connection and become
// passwords, registry passwords, private key passphrases, any var named like a password,
// secret or token) and masks them wherever they appear in events, console lines and errors.

const SECRET_NAME = /(pass(word|wd|phrase)?|secret|token|private_key(?!_file)|api_key|credential)s?$/i;
export const MASK = "********";

export class Redactor {
  private secrets = new Set<string>();

  addVars(vars: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(vars)) {
      if (SECRET_NAME.test(k) && (typeof v === "string" || typeof v === "number") && String(v).length >= 3) this.secrets.add(String(v));
      else if (v && typeof v === "object" && !Array.isArray(v)) this.addVars(v as Record<string, unknown>);
    }
  }

  add(secret: string | undefined): void {
    if (secret && secret.length >= 3) this.secrets.add(secret);
  }

  text(s: string): string {
    let out = s;
    for (const sec of this.secrets) if (out.includes(sec)) out = out.split(sec).join(MASK);
    return out;
  }

  value<T>(v: T): T {
    if (this.secrets.size === 0) return v;
    if (typeof v === "string") return this.text(v) as T;
    if (Array.isArray(v)) return v.map((x) => this.value(x)) as T;
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = SECRET_NAME.test(k) && typeof x === "string" ? MASK : this.value(x);
      return out as T;
    }
    return v;
  }
}
