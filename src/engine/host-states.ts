// Owns what the engine knows about each host during a run: failed/unreachable, gathered facts,
// registered results and set_fact values, pending handler notifications, the last failure (for
// rescue and `kplay status`) and the recap counts; and the hostvars view built from them.
import { byName } from "./keywords.js";
import { READ_ONLY } from "../playbook/py-mutate.js";
import type { Inventory } from "../inventory/index.js";
import type { ModuleResult } from "../modules/index.js";
import { emptyCounts, type HostStatus, type RecapCounts } from "../report/index.js";
import type { FactCache } from "../state/facts.js";
import type { Vars } from "./vars.js";
import { withTemplateNames } from "../playbook/data.js";

export interface HostState {
  failed: boolean;
  unreachable: boolean;
  /** Stopped without failing itself: another host's failure ended the playbook (any_errors_fatal). */
  stopped?: string;
  /** meta: end_host ended the current play for it (it takes the next play). */
  endedPlay?: boolean;
  facts?: Vars;
  /** Registered results and set_fact values (above play vars, below extra vars). */
  registered: Vars;
  /** Names in `registered` that hold templates (include_vars values), rendered when used. */
  templateVars?: Set<string>;
  /** Handler names/topics notified and not yet run. */
  notified: Set<string>;
  /** The last failure, for ansible_failed_task / ansible_failed_result in rescue. */
  lastFailure?: { task: string; result: ModuleResult };
  counts: RecapCounts;
}

export interface HostOutcome {
  ok: boolean;
  unreachable: boolean;
  task?: string;
  msg?: string;
}

export class HostStates {
  private hosts = new Map<string, HostState>();
  private hostvarsCache?: Record<string, Vars>;

  constructor(
    private readonly inv: Inventory,
    private readonly factCache?: FactCache,
  ) {}

  get(h: string): HostState {
    let s = this.hosts.get(h);
    if (!s) {
      s = { failed: false, unreachable: false, registered: {}, notified: new Set(), counts: emptyCounts() };
      this.hosts.set(h, s);
    }
    return s;
  }

  /** Still running tasks: neither failed nor unreachable. */
  active(h: string): boolean {
    const s = this.get(h);
    return !s.failed && !s.unreachable && !s.stopped && !s.endedPlay;
  }

  /** meta: end_host: no more tasks in this play for the host, without failing it. */
  endPlay(h: string): void {
    this.get(h).endedPlay = true;
  }

  /** A new play: hosts that ended the last one with end_host take part again. */
  newPlay(): void {
    for (const s of this.hosts.values()) s.endedPlay = false;
  }

  /** Stop a host that did not fail itself (the playbook ends for every host, as in Ansible). */
  stop(h: string, why: string): void {
    const s = this.get(h);
    if (!s.failed && !s.unreachable) s.stopped = why;
  }

  allOk(): boolean {
    return [...this.hosts.values()].every((s) => !s.failed && !s.unreachable && !s.stopped);
  }

  recap(): Record<string, RecapCounts> {
    const out: Record<string, RecapCounts> = {};
    // as Ansible's recap: a host no task counted for (its batch never ran) is not in it; hosts in
    // name order whatever order the play ran them in (a play's `order`)
    const names = [...this.hosts.keys()].sort(byName);
    for (const h of names) {
      const s = this.hosts.get(h)!;
      if (Object.values(s.counts).some((n) => n > 0)) out[h] = s.counts;
    }
    return out;
  }

  /**
   * Count a host's task status in the recap; failed and unreachable stop the host. An ignored
   * failure that reports a change counts as changed too (Ansible counts `command: false` so).
   */
  count(h: string, status: HostStatus, o: { changed?: boolean; uncounted?: boolean } = {}): void {
    const s = this.get(h);
    if (status === "unreachable") s.unreachable = true;
    if (status === "failed") s.failed = true;
    // an include that could not be read stops the host without a recap count, as Ansible's does;
    // an include_role that ran is not counted either
    if (o.uncounted) return;
    // a changed task, and a failure ignored, count as ok too, as in Ansible's recap
    if (status === "changed" || status === "ok" || status === "ignored") s.counts.ok++;
    if (status !== "ok") s.counts[status]++;
    if (status === "ignored" && o.changed) s.counts.changed++;
  }

  /** How each host ended: ok, or the failure that stopped it (for the journal and `kplay status`). */
  outcomes(): Map<string, HostOutcome> {
    const out = new Map<string, HostOutcome>();
    for (const [h, s] of this.hosts) {
      const f = s.lastFailure;
      out.set(h, {
        ok: !s.failed && !s.unreachable && !s.stopped,
        unreachable: s.unreachable,
        task: f?.task,
        msg: f ? String(f.result.msg ?? f.result.censored ?? "") : s.stopped,
      });
    }
    return out;
  }

  /**
   * hostvars as Ansible has them: each host's inventory variables plus, once known, its facts
   * and registered results / set_fact values. Built on access, so it is always current.
   */
  hostvars(): Record<string, Vars> {
    if (this.hostvarsCache) return this.hostvarsCache;
    // a view over every inventory host, plus the implicit localhost once the run made it (a task
    // delegated to it, facts given to it: kubespray's fallback_ips), as Ansible's hostvars lists it
    const inv = this.inv;
    const names = () => [...inv.hostNames, ...IMPLICIT_LOCALHOST.filter((h) => inv.isImplicit(h))];
    const known = (k: string | symbol): k is string =>
      typeof k === "string" && (inv.hasHost(k) || (IMPLICIT_LOCALHOST.includes(k) && !!inv.implicitLocalhost(k)));
    // listed: what ownKeys gives, answered per key without building the list (Object.keys over
    // 10,000 hosts asks once per host)
    const listed = (k: string | symbol): k is string =>
      typeof k === "string" && (inv.hasHost(k) || (IMPLICIT_LOCALHOST.includes(k) && inv.isImplicit(k)));
    const view = new Proxy({} as Record<string, Vars>, {
      get: (_t, k) => (k === READ_ONLY ? true : known(k) ? this.varsOf(k) : undefined),
      has: (_t, k) => known(k),
      ownKeys: () => names(),
      getOwnPropertyDescriptor: (_t, k) =>
        listed(k) ? { enumerable: true, configurable: true, writable: false, value: this.varsOf(k) } : undefined,
    });
    return (this.hostvarsCache = view);
  }

  /** One host's view; its clean names (inventory variables, include_vars and clean set_fact values) are marked. */
  private varsOf(h: string): Vars {
    const s = this.hosts.get(h);
    const inventory = this.inv.hostVars(h);
    const facts = s?.facts ?? this.factCache?.get(h) ?? {};
    const registered = s?.registered ?? {};
    const clean = new Set([...Object.keys(inventory), ...(s?.templateVars ?? [])]);
    for (const k of [...Object.keys(facts), ...Object.keys(registered)]) if (!s?.templateVars?.has(k)) clean.delete(k);
    clean.add("inventory_hostname");
    const view = withTemplateNames({ ...inventory, ...facts, ...registered, inventory_hostname: h }, clean);
    Object.defineProperty(view, READ_ONLY, { value: true }); // not enumerable: spreads leave it
    return view;
  }
}

/** The names Ansible takes for the controller when the inventory does not define them. */
const IMPLICIT_LOCALHOST = ["localhost", "127.0.0.1", "::1"];

/**
 * Facts a module returned (getent, hostname…): variables of their own, and under `ansible_facts`
 * too (without the `ansible_` prefix, as Ansible keeps them in its fact cache). set_fact and
 * include_vars set plain variables only.
 */
export function setModuleFacts(s: HostState, facts: Vars): void {
  setVariables(s, facts, { templates: false });
  const known = (s.facts?.ansible_facts ?? {}) as Vars;
  const named = Object.fromEntries(Object.entries(facts).map(([k, v]) => [k.replace(/^ansible_/, ""), v]));
  s.facts = { ...s.facts, ansible_facts: { ...known, ...named } };
}

/** set_fact/include_vars values into the host's variables; include_vars' stay templates (as in Ansible). */
export function setVariables(s: HostState, vars: Vars, o: { templates: boolean }): void {
  Object.assign(s.registered, vars);
  if (o.templates) s.templateVars = new Set([...(s.templateVars ?? []), ...Object.keys(vars)]);
  else for (const k of Object.keys(vars)) s.templateVars?.delete(k);
}
