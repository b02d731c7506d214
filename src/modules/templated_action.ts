// Owns the placeholder for a task whose module name is a template (`action: "{{ ansible_facts.pkg_mgr }}"`,
// an Ansible idiom of roles that serve several distributions): its arguments are the module's
// name (`module`) and the arguments for it. The task executor renders the name when the task
// runs, then validates and runs the module it names; this definition itself never runs.
import { z } from "zod";
import { defineModule } from "./types.js";

export const templatedActionModule = defineModule({
  name: "templated_action",
  undo: "task",
  schema: z.object({ module: z.string().min(1) }).passthrough(),
  run: async () => {
    throw new Error("templated_action runs the module its name renders to (task executor)");
  },
});
