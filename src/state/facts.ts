// Owns the fact cache: the facts last gathered from each host, kept in STATE/facts/HOST.json
// (written atomically), so a later run limited to some hosts (add-node) still knows the others'
// facts — hostnames, addresses — when one of them is down, as Ansible's fact caching does.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic.js";

type Facts = Record<string, unknown>;

export class FactCache {
  private mem = new Map<string, { facts?: Facts; json?: string }>();

  constructor(readonly dir: string) {}

  private file(host: string): string {
    return join(this.dir, `${encodeURIComponent(host)}.json`);
  }

  /** The host's cached facts, or undefined when it was never reached (or the cache is unreadable). */
  get(host: string): Facts | undefined {
    let m = this.mem.get(host);
    if (!m) {
      m = {};
      const f = this.file(host);
      if (existsSync(f)) {
        try {
          m.json = readFileSync(f, "utf8");
          m.facts = JSON.parse(m.json) as Facts;
        } catch {
          m = {};
        }
      }
      this.mem.set(host, m);
    }
    return m.facts;
  }

  /** Keep the facts just gathered (nothing written when they are unchanged). */
  put(host: string, facts: Facts): void {
    const json = JSON.stringify(facts);
    this.get(host);
    if (this.mem.get(host)?.json === json) return;
    writeFileAtomic(this.file(host), json, 0o600);
    this.mem.set(host, { facts, json });
  }

  forget(host: string): void {
    rmSync(this.file(host), { force: true });
    this.mem.delete(host);
  }
}
