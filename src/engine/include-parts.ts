// Owns the shapes of what an include contributes to a block: the parts a block runs for which
// hosts (a looped include: one part per item), and the item an included file's tasks see.
import { ITEM_TAINT, type ItemTaint } from "../playbook/data.js";
import type { Inheritable, Node } from "../playbook/types.js";

/** What a block runs for which hosts (a looped include: one part per item, its item as data). */
export interface BlockPart {
  hosts: string[];
  nodes: Node[];
  data?: Record<string, unknown>;
  order?: number;
}

/** The loop variable (and index variable) an included file's tasks see for one item. */
export function includeItem(result: Record<string, unknown>, index: number): Record<string, unknown> {
  const loopVar = String(result.ansible_loop_var ?? "item");
  const indexVar = result.ansible_index_var;
  const data = { [loopVar]: result[loopVar], ...(typeof indexVar === "string" ? { [indexVar]: index } : {}) };
  // the item keeps the taint its loop gave it (a loop over the playbook's own data stays clean)
  const taint = result[ITEM_TAINT as unknown as string] as ItemTaint | undefined;
  const clean = { tainted: false, fromNode: false };
  if (!taint) return data;
  const marks = { [loopVar]: taint, ...(typeof indexVar === "string" ? { [indexVar]: clean } : {}) };
  return Object.assign(data, { [ITEM_TAINT]: marks });
}

export function partInh(data: Record<string, unknown>): Inheritable {
  return { when: [], tags: [], vars: {}, data };
}

/**
 * A looped include_role's tasks for one item: the role's nodes under ids of their own, so each
 * item's tasks are announced, journaled and resumed apart (as an include_tasks item's are).
 */
export function withItemIds(nodes: Node[], suffix: string): Node[] {
  return nodes.map((n) =>
    n.kind === "task"
      ? { ...n, id: n.id + suffix }
      : {
          ...n,
          id: n.id + suffix,
          block: withItemIds(n.block, suffix),
          rescue: withItemIds(n.rescue, suffix),
          always: withItemIds(n.always, suffix),
        },
  );
}
