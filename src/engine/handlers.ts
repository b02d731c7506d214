// Owns a play's handlers once they are notified: which run at a flush (after each section, or
// meta: flush_handlers), in the order they are defined; force_handlers for failed hosts; and
// hosts a meta task ended (end_play, end_batch, end_host), whose notified handlers never run.
// The play iterator runs each handler (handlers.ts decides which, on which hosts).
import type { Node } from "../playbook/types.js";
import type { Engine, PlayRun } from "./context.js";

export interface HandlerRunner {
  /** force_handlers, the play keyword or --force-handlers. */
  forcing(run: PlayRun): boolean;
  /** Run one handler (a task or a block) on these hosts, the failed ones among them as if not failed. */
  run(run: PlayRun, handler: Node, hosts: string[]): Promise<void>;
}

/**
 * Run the notified handlers in the order they are defined. A topic (a handler's name or a
 * `listen`) notifies every handler that has it: it is consumed by the last of them, so each
 * runs; a handler notified by an earlier one in the same flush runs too.
 */
export async function flushHandlers(
  o: { e: Engine; runner: HandlerRunner },
  run: PlayRun,
  hosts: string[],
): Promise<void> {
  const { e, runner } = o;
  const handlers = run.play.handlers;
  const topicsOf = (t: Node) => [t.name, ...(t.kind === "task" ? t.listen : [])].filter((x): x is string => !!x);
  // with force_handlers a failed (not unreachable) host runs its handlers too, then is failed again
  const forced = runner.forcing(run) ? hosts.filter((h) => e.hosts.get(h).failed && !e.hosts.get(h).unreachable) : [];
  const runs = (h: string) => e.hosts.active(h) || forced.includes(h);
  for (const [i, handler] of handlers.entries()) {
    const topics = topicsOf(handler);
    const notified = (h: string) => topics.some((t) => e.hosts.get(h).notified.has(t));
    const targets = hosts.filter((h) => runs(h) && notified(h));
    if (targets.length === 0) continue;
    const later = new Set(handlers.slice(i + 1).flatMap(topicsOf));
    const consumed = topics.filter((t) => !later.has(t));
    targets.forEach((h) => consumed.forEach((t) => e.hosts.get(h).notified.delete(t)));
    await runner.run(run, handler, targets);
  }
}

/**
 * Hosts a meta task ended (end_play, end_batch, end_host) are complete, as Ansible's iterator
 * marks them: a handler they were notified for never runs, not even with force_handlers, and
 * the journal forgets it so a resume does not run it either. Unreachable hosts are left as they are.
 */
export function completeHosts(e: Engine, hosts: string[]): void {
  const step = e.opts.step;
  for (const h of hosts) {
    const s = e.hosts.get(h);
    if (s.unreachable) continue;
    for (const handler of s.notified) step?.journal.write({ t: "notify_cancel", step: step.name, host: h, handler });
    s.notified.clear();
  }
  step?.journal.flush();
}
