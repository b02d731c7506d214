// A scripted fake node for the engine's in-process tests: every script the engine sends is
// recorded per host, and a rule decides each command's exit code and output. It stands in for
// the connection pool only in fast tests of the play iterator and task executor; what a module's
// script does on a real node is tested on real nodes (test/integration).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadInventory, type Inventory } from "../../src/inventory/index.js";
import { loadPlaybook } from "../../src/playbook/load.js";
import type { Playbook } from "../../src/playbook/types.js";
import type { KplayEvent, Reporter } from "../../src/report/index.js";
import type { Connection, ConnectionSpec, ExecOptions, ExecResult, NodePool } from "../../src/transport/index.js";
import type { Sh } from "../../src/transport/sh.js";

export interface Sent {
  host: string;
  script: string;
  /** What the engine asked of the connection for this script (become, its user and method). */
  opts?: ExecOptions;
  /** The connection the script went through, as the engine asked for it. */
  spec?: ConnectionSpec;
}

/** How a fake node answers a script: exit code and output (default: rc 0, no output). */
export type Rule = (host: string, script: string) => Partial<ExecResult> | undefined;

export class FakeNodes implements NodePool {
  readonly sent: Sent[] = [];
  readonly dropped: string[] = [];
  /** Every connection asked for, as the engine made its spec (user, key, kind). */
  readonly specs: ConnectionSpec[] = [];

  constructor(private readonly rule: Rule = () => undefined) {}

  async get(spec: ConnectionSpec): Promise<Connection> {
    const host = spec.name;
    this.specs.push(spec);
    return {
      host,
      exec: async (script: Sh, opts?: ExecOptions) => {
        this.sent.push({ host, script: script.text, opts, spec });
        return { rc: 0, stdout: "", stderr: "", ...this.rule(host, script.text) };
      },
      close: () => undefined,
    };
  }

  drop(name: string): void {
    this.dropped.push(name);
  }

  /** How many scripts sent to `host` hold `word` (a command's argument, quoted or not). */
  ran(host: string, word: string): number {
    return this.sent.filter((s) => s.host === host && s.script.includes(word)).length;
  }
}

export class EventLog implements Reporter {
  readonly events: KplayEvent[] = [];

  emit(e: KplayEvent): void {
    this.events.push(e);
  }

  /** Each host's status for tasks with this name, in the order reported. */
  statuses(task: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const e of this.events) if (e.event === "host_result" && e.task === task) (out[e.host] ??= []).push(e.status);
    return out;
  }

  warnings(): string[] {
    return this.events.flatMap((e) => (e.event === "warning" ? [e.message] : []));
  }
}

/** A directory holding an inventory of `hosts` and the playbook text, loaded as kplay loads them. */
export function fixture(hosts: string[], playbook: string): { dir: string; inv: Inventory; pb: Playbook } {
  const dir = mkdtempSync(join(tmpdir(), "kplay-engine-"));
  const inv = hosts.map((h) => `    ${h}: {}`).join("\n");
  writeFileSync(join(dir, "inv.yml"), `all:\n  hosts:\n${inv}\n`);
  writeFileSync(join(dir, "play.yml"), playbook);
  return { dir, inv: loadInventory([join(dir, "inv.yml")]), pb: loadPlaybook(join(dir, "play.yml")) };
}
