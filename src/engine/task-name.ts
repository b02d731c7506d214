// Owns a task's name as its banner shows it. Ansible renders a name once per task with the first
// host's variables (not the loop's item) and shows it as written when any part of it is
// undefined there (Templar with fail_on_undefined off). Node data in those variables stays data.
import { renderValue } from "../template/render.js";
import { taskLabel, type Task } from "../playbook/types.js";
import type { Vars } from "./vars.js";

/** `vars` is asked for only when the name holds a template. */
export function taskTitle(task: Task, vars: () => Vars | undefined): string {
  if (!task.name || !/\{\{|\{%/.test(task.name)) return taskLabel(task);
  try {
    const scope = vars();
    if (!scope) return task.name;
    return String(renderValue(task.name, scope, { file: task.where.file, line: task.where.line, field: "name" }));
  } catch {
    return task.name;
  }
}
