// Owns the validated playbook model the engine executes.
import type { Where } from "../errors.js";

export interface Task {
  name?: string;
  module: string;
  /** Raw arguments; templated per host at run time. */
  args: Record<string, unknown>;
  when?: unknown;
  register?: string;
  ignoreErrors: boolean;
  become?: boolean;
  loop?: unknown;
  loopVar: string;
  notify: string[];
  changedWhen?: unknown;
  failedWhen?: unknown;
  noLog: boolean;
  tags: string[];
  vars: Record<string, unknown>;
  where: Where;
}

export interface Play {
  name: string;
  hosts: string[];
  vars: Record<string, unknown>;
  become: boolean;
  gatherFacts: boolean;
  tasks: Task[];
  handlers: Task[];
  where: Where;
}

export interface Playbook {
  file: string;
  dir: string;
  plays: Play[];
}

export function taskLabel(t: Task): string {
  return t.name ?? `${t.module} ${summarizeArgs(t.args)}`.trim();
}

function summarizeArgs(args: Record<string, unknown>): string {
  const s = typeof args.cmd === "string" ? args.cmd : JSON.stringify(args);
  return s.length > 60 ? s.slice(0, 57) + "..." : s;
}
