// Owns `setup` as a task (Ansible's explicit fact gathering, e.g. after a change or with
// gather_facts off): the same facts and round trip as a play's fact gathering
// (engine/facts.ts); the engine keeps them as the host's facts. gather_subset, filter and the
// other options are accepted and the whole set is gathered (it is one short script).
import { z } from "zod";
import { gatherFacts } from "../engine/facts.js";
import { defineModule } from "./types.js";

export const setupModule = defineModule({
  name: "setup",
  gathersFacts: true,
  undo: "none",
  idempotent: true,
  schema: z
    .object({
      gather_subset: z.union([z.string(), z.array(z.string())]).optional(),
      gather_timeout: z.number().optional(),
      filter: z.union([z.string(), z.array(z.string())]).optional(),
      fact_path: z.string().optional(),
    })
    .strict(),
  run: async (ctx) => ({ changed: false, ansible_facts: await gatherFacts(ctx) }),
});

/** gather_facts as a task: Ansible's name for the same gathering. */
export const gatherFactsModule = defineModule({ ...setupModule, name: "gather_facts" });
