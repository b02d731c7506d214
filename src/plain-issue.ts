// Owns how a schema's complaint (zod's issue) is said to the user: in plain words, Ansible's
// where Ansible has words for it ("must be one of: present, absent, got: maybe"), never the
// validation library's own wording. Shared by the config, inventory, playbook and module checks.
import type { z } from "zod";

/** What a YAML value is, in words: "a list", "a string"… */
export function kindOf(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v === null || v === undefined) return "nothing";
  return typeof v === "object" ? "a mapping" : `a ${typeof v === "string" ? "string" : typeof v}`;
}

export const TYPE_WORDS: Record<string, string> = {
  record: "a mapping",
  object: "a mapping",
  array: "a list",
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "a boolean (true/false)",
};

/** zod's default messages ("Invalid input: expected record, received array", "Too big: …"). */
const LIBRARY_WORDING = /^Invalid |expected .*, received |^Too (small|big)/;

/** A schema's complaint in plain words (never the validation library's own wording). */
export function plainIssue(issue: z.core.$ZodIssue, value: unknown): string {
  // a schema's own message (a refinement's, a literal's error) is already plain
  if (!LIBRARY_WORDING.test(issue.message)) return issue.message;
  const i = issue as z.core.$ZodIssue & { expected?: string; key?: unknown; issues?: Array<{ message: string }> };
  if (i.code === "invalid_type" && value === undefined) return "is missing";
  if (i.code === "invalid_type" && i.expected)
    return `must be ${TYPE_WORDS[i.expected] ?? i.expected}, got ${kindOf(value)}`;
  if (i.code === "invalid_key") {
    const why = i.issues?.[0]?.message ?? "is not a valid name here";
    return `'${String(i.key ?? issue.path.at(-1))}' ${why}`;
  }
  const c = issue as z.core.$ZodIssue & { values?: unknown[]; minimum?: unknown; maximum?: unknown };
  // Ansible's words for a choice ("value of state must be one of: present, absent, got: maybe")
  if (c.code === "invalid_value" && c.values)
    return `must be one of: ${c.values.map(String).join(", ")}, got: ${shownValue(value)}`;
  if (c.code === "too_small") return `must be at least ${String(c.minimum)}, got: ${shownValue(value)}`;
  if (c.code === "too_big") return `must be at most ${String(c.maximum)}, got: ${shownValue(value)}`;
  return `is not valid here (got ${kindOf(value)})`; // never the value itself: it may be a secret
}

/** plainIssue for the value the issue's path points at inside `root`. */
export function plainIssueIn(issue: z.core.$ZodIssue, root: unknown): string {
  const value = issue.path.reduce<unknown>(
    (o, k) => (o && typeof o === "object" ? (o as Record<PropertyKey, unknown>)[k] : undefined),
    root,
  );
  return plainIssue(issue, value);
}

function shownValue(v: unknown): string {
  return typeof v === "string" ? v : (JSON.stringify(v) ?? String(v));
}
