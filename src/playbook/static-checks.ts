// Owns the checks of a task that need nothing but the task as written, made at load so a
// mistake stops the run before anything runs (issue: "found late instead of at load"): template
// syntax and filter/test names in arguments and conditions, `loop:` given a literal that is no
// list, a path argument given a list or mapping, a mode that is neither octal nor symbolic.
// What depends on variables is left to the run; so is a name Ansible knows and kplay lacks (a
// task that never runs must not fail the run: it fails when it runs, naming what is missing).
import { parseExpr, type Node } from "./expr.js";
import { FILTERS, knownLookup, TESTS } from "./jinja-lib.js";
import { checkJinjaSyntax, templateExpressions } from "../template/jinja.js";

/** A problem found, with the argument (path below the task's module key) it is in. */
export interface StaticProblem {
  message: string;
  /** Keys below the module's arguments ("mode"), or undefined for the whole task. */
  arg?: string;
}

// Ansible 2.14's ansible.builtin filters and Jinja2's: a name outside these, kplay's own and any
// collection's (a dotted name) is a typo, said at load. One of these kplay lacks fails at run time.
const ANSIBLE_FILTERS = new Set(
  (
    "b64decode b64encode basename bool checksum combinations combine comment dict2items difference dirname " +
    "expanduser expandvars extract fileglob flatten from_json from_yaml from_yaml_all hash human_readable " +
    "human_to_bytes intersect items2dict log mandatory md5 password_hash path_join permutations pow product quote " +
    "random realpath regex_escape regex_findall regex_replace regex_search rekey_on_member relpath root sha1 " +
    "shuffle split splitext strftime subelements symmetric_difference ternary to_datetime to_json to_nice_json " +
    "to_nice_yaml to_uuid to_yaml type_debug union unique unvault urldecode urlsplit vault win_basename " +
    "win_dirname win_splitdrive zip zip_longest abs attr batch capitalize center count d default dictsort e " +
    "escape filesizeformat first float forceescape format groupby indent int items join last length list lower " +
    "map max min pprint reject rejectattr replace reverse round safe select selectattr slice sort string " +
    "striptags sum title tojson trim truncate upper urlencode urlize wordcount wordwrap xmlattr"
  ).split(" "),
);
const ANSIBLE_TESTS = new Set(
  (
    "all any changed succeeded success failed failure skipped skip finished started reachable unreachable match " +
    "search regex version version_compare subset superset contains is_abs abs directory file link exists mount " +
    "same_file samefile nan truthy falsy vault_encrypted uri url urn boolean callable defined divisibleby eq " +
    "equalto escaped even false filter float ge gt greaterthan in integer iterable le lessthan lower lt mapping " +
    "ne none number odd sameas sequence string test true undefined upper"
  ).split(" "),
);

// Ansible 2.14's ansible.builtin lookup plugins and the short names of collections' that roles call
// (community.general's, ansible.utils'): a lookup outside these and kplay's own is a typo.
const ANSIBLE_LOOKUPS = new Set(
  (
    "config csvfile dict env file fileglob first_found indexed_items ini inventory_hostnames items lines list " +
    "nested password pipe random_choice sequence subelements template together unvault url varnames vars " +
    "flattened dig dnstxt hashi_vault k8s passwordstore onepassword cartesian consul_kv etcd etcd3 filetree " +
    "keyring lmdb_kv redis shelvefile manifold credstash aws_ssm aws_secret random_string random_words " +
    "collection_version dependent merge_variables bitwarden"
  ).split(" "),
);

// Filters and tests of the collections roles use by their short names (ansible.utils'
// ipaddr family, community.general's json_query…), which Ansible 2.14 routes: not typos.
const COLLECTION_FILTERS = new Set(
  (
    "ipaddr ipv4 ipv6 ipwrap ipmath ipsubnet nthhost next_nth_usable previous_nth_usable network_in_usable " +
    "network_in_network reduce_on_network cidr_merge hwaddr macaddr slaac json_query to_toml from_toml " +
    "dict_kv lists_mergeby groupby_as_dict version_sort counter unicode_normalize random_mac from_csv " +
    "jc to_time_unit to_seconds to_minutes to_hours to_days to_weeks to_months to_years to_milliseconds " +
    "path_join ansible_native_concat"
  ).split(" "),
);
const COLLECTION_TESTS = new Set(
  (
    "ip ipv4 ipv6 ip_address ipv4_address ipv6_address in_network in_any_network in_one_network " +
    "private public loopback multicast reserved resolvable subnet_of supernet_of mac unspecified"
  ).split(" "),
);

const BUILTIN_PREFIX = /^ansible\.(builtin|legacy)\./;

/** Problems of template syntax and names in a value (strings inside lists and mappings too). */
export function templateProblems(value: unknown, file?: string): string[] {
  const out: string[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === "string") {
      if (!v.includes("{{") && !v.includes("{%")) return;
      try {
        checkJinjaSyntax(v, { file });
        for (const e of templateExpressions(v)) out.push(...unknownNames(e));
      } catch (e) {
        out.push((e as Error).message.replace(/^template error: /, ""));
      }
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === "object") Object.values(v).forEach(visit);
  };
  visit(value);
  return out;
}

/** Filters and tests in a parsed expression that no Ansible knows (Ansible's words). */
export function unknownNames(node: Node): string[] {
  const out: string[] = [];
  const walk = (n: unknown): void => {
    if (!n || typeof n !== "object") return;
    if (Array.isArray(n)) return n.forEach(walk);
    const x = n as Record<string, unknown>;
    if (x.k === "filter" && typeof x.name === "string" && !knownFilter(x.name)) out.push(`no filter named '${x.name}'`);
    if (x.k === "is" && typeof x.test === "string" && !knownTest(x.test)) out.push(`no test named '${x.test}'`);
    const plugin = x.k === "fn" && LOOKUP_FUNCTIONS.has(x.name as string) ? literalFirstArg(x.args) : undefined;
    if (plugin !== undefined && !knownLookup(plugin) && !ANSIBLE_LOOKUPS.has(plugin))
      out.push(`lookup plugin (${plugin}) not found`);
    Object.values(x).forEach(walk);
  };
  walk(node);
  return out;
}

/** Names in a condition (`when`, `failed_when`…): syntax is checked by the loader; these are names. */
export function conditionProblems(cond: unknown): string[] {
  if (typeof cond !== "string") return [];
  try {
    return unknownNames(parseExpr(cond));
  } catch {
    return []; // a syntax error is the loader's to say, with its own words
  }
}

const LOOKUP_FUNCTIONS = new Set(["lookup", "query", "q"]);

/** The plugin name of lookup('NAME', …) when it is written as a literal (a variable is known only at run time). */
function literalFirstArg(args: unknown): string | undefined {
  const first = (args as { pos?: Node[] } | undefined)?.pos?.[0];
  return first?.k === "lit" && typeof first.v === "string" ? first.v : undefined;
}

function knownFilter(name: string): boolean {
  const bare = name.replace(BUILTIN_PREFIX, "");
  if (bare.includes(".")) return true; // a collection's: known only when it runs
  return Object.hasOwn(FILTERS, bare) || ANSIBLE_FILTERS.has(bare) || COLLECTION_FILTERS.has(bare);
}

function knownTest(name: string): boolean {
  const bare = name.replace(BUILTIN_PREFIX, "");
  if (bare.includes(".")) return true;
  return Object.hasOwn(TESTS, bare) || ANSIBLE_TESTS.has(bare) || COLLECTION_TESTS.has(bare);
}

/** `loop:` takes a list: a literal string, number or mapping is Ansible's run-time error, said now. */
export function loopProblem(loop: unknown): string | undefined {
  if (loop === undefined || loop === null || Array.isArray(loop)) return undefined;
  if (typeof loop === "string" && (loop.includes("{{") || loop.includes("{%"))) return undefined;
  const shown = typeof loop === "object" ? JSON.stringify(loop) : String(loop);
  return (
    `Invalid data passed to 'loop', it requires a list, got this instead: ${shown}. ` +
    "Hint: If you passed a list/dict of just one element, try adding wantlist=True to your lookup " +
    "invocation or use q/query instead of lookup."
  );
}

/** A path argument written as a list or mapping: never a path (Ansible would make one of its text). */
export function pathValueProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const what = Array.isArray(value) ? "a list" : "a mapping";
  return `a path is text, got ${what} (${JSON.stringify(value)})`;
}

const OCTAL_MODE = /^[0-7]{3,5}$/;
const SYMBOLIC_MODE = /^[ugoa]*([-+=]([rwxXst]*|[ugo]))+(,[ugoa]*([-+=]([rwxXst]*|[ugo]))+)*$/;

/** mode: an octal number or string, a symbolic mode, or preserve; a template is judged when it runs. */
export function modeProblem(mode: unknown): string | undefined {
  if (mode === undefined || mode === null || mode === "preserve") return undefined;
  const s = String(mode);
  if (s.includes("{{") || s.includes("{%")) return undefined;
  if (OCTAL_MODE.test(s) || SYMBOLIC_MODE.test(s)) return undefined;
  return `invalid mode ${JSON.stringify(s)}: use an octal string such as "0644" or a symbolic mode such as "u+rwx"`;
}

/** Task keywords whose values are rendered every time the task runs (a name's failure Ansible forgives). */
const RENDERED_KEYWORDS = new Set([
  "loop",
  "loop_control",
  "environment",
  "become",
  "become_user",
  "become_method",
  "delegate_to",
  "notify",
  "run_once",
  "ignore_errors",
  "no_log",
  "check_mode",
  "diff",
  "throttle",
  "retries",
  "delay",
]);

/** The first template that cannot be read in a keyword the task renders when it runs, with its keyword. */
export function keywordTemplateProblem(raw: Record<string, unknown>): { key: string; problem: string } | undefined {
  for (const key of Object.keys(raw)) {
    if (!RENDERED_KEYWORDS.has(key) && !key.startsWith("with_")) continue;
    const problem = templateProblems(raw[key])[0];
    if (problem) return { key, problem };
  }
  return undefined;
}
