// Owns the module contract: a module takes validated arguments and a context that can run shell
// on the host, and returns one result shape. It never prints. "changed" means commands that
// alter the host were needed; in check mode the module reports what it would change, changing nothing.
import { statSync } from "node:fs";
import type { JinjaFileOptions } from "../template/jinja.js";
import type { Taint } from "../playbook/data.js";
import type { z } from "zod";
import type { Sh } from "../transport/sh.js";
import type { ExecResult } from "../transport/types.js";
import type { UndoLog } from "./undo.js";

export interface ModuleContext {
  host: string;
  check: boolean;
  diff: boolean;
  /** The node's undo log: the module records how to undo each change through it (a no-op in check mode). */
  undo: UndoLog;
  /** Run a sh script, built by the quoting builder, on the host (as root when the task becomes). */
  exec(
    script: Sh,
    opts?: {
      stdin?: string | Buffer;
      timeoutMs?: number;
      outputLimit?: number;
      stdoutSink?: (chunk: Buffer) => void;
      /**
       * Lines at the head of `script` that may end it with `exit 0` before the command proper (a
       * command's chdir and creates/removes): a detached command runs them first outside the
       * detach, so a guarded re-run starts nothing; never when re-attaching to a started one.
       */
      guard?: Sh;
    },
  ): Promise<ExecResult>;
  /** Read a file on the controller; relative paths resolve as Ansible does (files/ beside the playbook…). */
  readLocal(path: string, from?: string): Buffer;
  /**
   * Where a controller file is (same lookup as readLocal). `from`: the argument `path` was made
   * from (vars/NAME from NAME), whose origin decides: a name from a node's data finds only the
   * playbook's and roles' own files.
   */
  localPath(path: string, from?: string): string;
  /**
   * Render a template text with the task's variables (strict; errors name `file`): Handlebars for
   * a .hbs file, Jinja2 (with `jinja`'s options) for any other.
   */
  renderFile(text: string, file: string, jinja?: JinjaFileOptions): string;
  vars: Record<string, unknown>;
  /**
   * The argument strings that were rendered from node data or a lookup's result (Ansible's unsafe):
   * a module that evaluates an argument (assert's that, debug's var) refuses or shows them as text.
   */
  taint?: Taint;
}

/** One before/after pair: texts (copy, template, edits) or attributes (the file module). */
export interface FileDiff {
  before: string | Record<string, unknown>;
  after: string | Record<string, unknown>;
  path?: string;
  before_header?: string;
  after_header?: string;
}

export interface ModuleResult {
  changed: boolean;
  failed?: boolean;
  skipped?: boolean;
  msg?: unknown;
  rc?: number;
  stdout?: string;
  stderr?: string;
  stdout_lines?: string[];
  stderr_lines?: string[];
  /** Text before and after (copy, template, edits), or attributes before and after (the file module). */
  diff?: FileDiff | FileDiff[];
  [key: string]: unknown;
}

export interface ModuleDef<S extends z.ZodTypeAny = z.ZodTypeAny> {
  name: string;
  /** Free-form modules take a string (`command: ls -l`) as their main argument. */
  freeForm?: string;
  /** Its command output is worth streaming with -vv (command, shell, raw, script). */
  streams?: boolean;
  /**
   * Checks and sets state so that running it twice is the same as once (copy, file, template…).
   * Such a module's script runs directly on the channel; if the link drops it is simply run
   * again. Every other module's commands run detached and are re-attached (transport/detach.ts).
   */
  idempotent?: boolean;
  /** Runs on the controller only (debug, set_fact, assert, fail, meta): no connection needed. */
  local?: boolean;
  /** Ansible runs it through its own action plugin, which refuses `async` (copy, template, script…). */
  noAsync?: boolean;
  /** Its ansible_facts are the host's facts (setup, gather_facts), not variables set like set_fact's. */
  gathersFacts?: boolean;
  /** Its ansible_facts are variables written by people (include_vars): templates, rendered when used. */
  factsAreTemplates?: boolean;
  /**
   * Arguments whose names look like secrets but hold none (getent's `key` is a user or host name):
   * the redactor would otherwise mask that word in every later line of output.
   */
  publicArgs?: string[];
  /** Its result shows variables (debug var=ansible_facts): an ansible_facts key there sets nothing. */
  setsNoFacts?: boolean;
  /**
   * How what this module changes is undone (remove-node, remove-cluster): "recorded", it logs the
   * original of what it changes through ctx.undo (files, directories, packages new to the host);
   * "none", it changes nothing on a node; "task", only the task knows (a command, a service
   * state, a user): the task's `undo:` script is the escape hatch.
   */
  undo: "recorded" | "none" | "task";
  schema: S;
  run(ctx: ModuleContext, args: z.infer<S>): Promise<ModuleResult>;
}

export function defineModule<S extends z.ZodTypeAny>(def: ModuleDef<S>): ModuleDef<S> {
  return def;
}

/** Modules' sh scripts end with one line "KPLAY-RESULT: key=value …" that this reads back. */
export function readMarker(stdout: string): Record<string, string> | undefined {
  const line = stdout
    .split("\n")
    .reverse()
    .find((l) => l.startsWith("KPLAY-RESULT:"));
  if (!line) return undefined;
  const out: Record<string, string> = {};
  for (const kv of line.slice("KPLAY-RESULT:".length).trim().split(/\s+/)) {
    const i = kv.indexOf("=");
    if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

/** The text after "KPLAY-<tag>:" on the first line of a script's output that starts so. */
export function readTagged(stdout: string, tag: string): string | undefined {
  const prefix = `KPLAY-${tag}:`;
  return stdout
    .split("\n")
    .find((l) => l.startsWith(prefix))
    ?.slice(prefix.length);
}

/** Ansible modes: "0644", "644", 644 (YAML 1.2 reads 0644 as 644) or symbolic "u+rwx". */
/** mode: preserve: the source file's mode on the controller (copy from content has none: left as is). */
export function preservedMode(src: string | undefined): string | undefined {
  return src === undefined ? undefined : (statSync(src).mode & 0o7777).toString(8).padStart(4, "0");
}

export function normalizeMode(mode: string | number | undefined): string | undefined {
  if (mode === undefined || mode === null || mode === "") return undefined;
  const s = String(mode);
  if (/^[0-7]{3,5}$/.test(s)) return s.replace(/^0+/, "").padStart(3, "0");
  // symbolic clauses as chmod takes them: who, then one or more operations (u+rwX-x, g=u)
  const clause = "[ugoa]*([-+=]([rwxXst]*|[ugo]))+";
  if (new RegExp(`^${clause}(,${clause})*$`).test(s)) return s;
  throw new Error(
    `invalid mode ${JSON.stringify(mode)}: use an octal string such as "0644" or a symbolic mode such as "u+rwx"`,
  );
}

export function lines(s: string | undefined): string[] {
  if (!s) return [];
  return s.replace(/\n$/, "").split("\n");
}
