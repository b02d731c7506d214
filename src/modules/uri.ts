// Owns the `uri` module: one HTTP(S) request from the node, as Ansible 2.14's uri reports it —
// status, final url, redirected, msg ("OK (N bytes)", "HTTP Error 404: Not Found", "Request
// failed: <urlopen error …>"), every response header (lower-cased, '-' as '_'), cookies, content
// when asked, json when the response is JSON, failure when the status is not in status_code.
// The node runs curl (HTTP/1.1, as Python's urllib speaks): Ansible's module needs Python there,
// kplay's needs curl, and says so when the node has none. Every value of the task (url, headers,
// credentials, body) reaches curl in a config read from stdin, never as a process argument.
// One round trip; idempotent (a request changes nothing on the node that kplay could see).
import { z } from "zod";
import { joinSh, raw, secret, sh } from "../transport/sh.js";
import { pyStr } from "../playbook/jinja-lib.js";
import { defineModule, type ModuleContext, type ModuleResult } from "./types.js";
import { statusLine, parseResponse, type Response } from "./uri-response.js";

const statusCode = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number),
]);

const schema = z
  .object({
    url: z.string().min(1),
    method: z.string().default("GET"),
    body: z.unknown().optional(),
    body_format: z.enum(["raw", "json", "form-urlencoded"]).default("raw"),
    headers: z.record(z.string(), z.unknown()).default({}),
    status_code: z.union([z.array(statusCode), statusCode.transform((n) => [n])]).default([200]),
    return_content: z.boolean().default(false),
    validate_certs: z.boolean().default(true),
    ca_path: z.string().optional(),
    client_cert: z.string().optional(),
    client_key: z.string().optional(),
    url_username: z.string().optional(),
    url_password: z.string().optional(),
    force_basic_auth: z.boolean().default(false),
    follow_redirects: z.enum(["all", "no", "none", "safe", "urllib2", "yes"]).default("safe"),
    timeout: z.number().int().default(30),
    creates: z.string().optional(),
    removes: z.string().optional(),
    use_proxy: z.boolean().default(true),
    http_agent: z.string().default("ansible-httpget"),
    decompress: z.boolean().default(true),
    use_netrc: z.boolean().default(true),
  })
  .strict();

type Args = z.infer<typeof schema>;

/** A value inside a curl config file's double quotes. */
const CONFIG_ESCAPES: Record<string, string> = { "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t" };
const quoted = (v: string) => `"${v.replace(/[\\"\n\r\t]/g, (c) => CONFIG_ESCAPES[c])}"`;

/** The body as Ansible's uri sends it: JSON-encoded or form-encoded when it is not text already. */
function bodyText(a: Args): { body?: string; contentType?: string } {
  if (a.body === undefined || a.body === null) return {};
  if (a.body_format === "json")
    return { body: typeof a.body === "string" ? a.body : JSON.stringify(a.body), contentType: "application/json" };
  if (a.body_format === "form-urlencoded") {
    const body =
      typeof a.body === "string"
        ? a.body
        : new URLSearchParams(
            Object.entries(a.body as Record<string, unknown>).map(([k, v]) => [k, pyStr(v)]),
          ).toString();
    return { body, contentType: "application/x-www-form-urlencoded" };
  }
  return { body: typeof a.body === "string" ? a.body : pyStr(a.body) };
}

/** What curl is told: one option per line, every value quoted. */
function curlConfig(a: Args, method: string): string {
  const { body, contentType } = bodyText(a);
  const headers = { ...a.headers };
  const has = (name: string) => Object.keys(headers).some((h) => h.toLowerCase() === name);
  if (contentType && !has("content-type")) headers["Content-Type"] = contentType;
  if (!has("connection")) headers.Connection = "close"; // as urllib sends every request
  const follow = a.follow_redirects;
  const followed =
    ["all", "yes", "urllib2"].includes(follow) || (follow === "safe" && ["GET", "HEAD"].includes(method));
  const lines = [
    `url = ${quoted(a.url)}`,
    `request = ${quoted(method)}`,
    `user-agent = ${quoted(a.http_agent)}`,
    `max-time = ${a.timeout}`,
    ...Object.entries(headers).map(([k, v]) => `header = ${quoted(`${k}: ${pyStr(v)}`)}`),
    ...(a.url_username !== undefined ? [`user = ${quoted(`${a.url_username}:${a.url_password ?? ""}`)}`] : []),
    ...(body !== undefined ? [`data-raw = ${quoted(body)}`] : []),
    ...(a.validate_certs ? [] : ["insecure"]),
    ...(a.ca_path ? [`cacert = ${quoted(a.ca_path)}`] : []),
    ...(a.client_cert ? [`cert = ${quoted(a.client_cert)}`] : []),
    ...(a.client_key ? [`key = ${quoted(a.client_key)}`] : []),
    ...(followed ? ["location", "max-redirs = 10"] : []),
    ...(a.use_proxy ? [] : ['noproxy = "*"']),
    ...(a.decompress ? ["compressed"] : []),
    ...(a.use_netrc ? ["netrc-optional"] : []),
  ];
  return lines.join("\n") + "\n";
}

/** One round trip: the guards, then curl; status, headers, curl's complaint and the body come back marked. */
function requestScript(a: Args, config: string): ReturnType<typeof joinSh> {
  const guard = (path: string | undefined, present: boolean, word: string) =>
    path === undefined
      ? undefined
      : sh`if ${present ? raw("") : raw("! ")}[ -e ${path} ]; then echo ${`KPLAY-RESULT: skipped=${word}`}; exit 0; fi`;
  return joinSh([
    guard(a.creates, true, "creates"),
    guard(a.removes, false, "removes"),
    raw(`command -v curl >/dev/null 2>&1 || { echo "KPLAY-RESULT: nocurl=1"; exit 0; }`),
    sh`cfg_=${secret(config)}`,
    raw(`t_=$(mktemp -d) || exit 1; trap 'rm -rf -- "$t_"' EXIT`),
    raw(`s_=$(date +%s)`),
    raw(
      `printf '%s' "$cfg_" | curl -K - --http1.1 -sS -o "$t_/body" -D "$t_/head" ` +
        `-w '%{http_code} %{url_effective}' > "$t_/w" 2> "$t_/err"; rc_=$?`,
    ),
    raw(`echo "KPLAY-CURL: $rc_ $(( $(date +%s) - s_ )) $(cat "$t_/w")"`),
    raw(`echo KPLAY-HEAD; cat "$t_/head"; echo KPLAY-ERR; head -c 2000 "$t_/err"; echo`),
    raw(`echo KPLAY-BODY; base64 < "$t_/body"; echo "KPLAY-RESULT: done=1"`),
  ]);
}

/** Ansible's result: the response's fields and headers, content and json as asked; failed on an unwanted status. */
function result(a: Args, res: Response): ModuleResult {
  const wanted = a.status_code;
  const out: ModuleResult = { changed: false, ...res.fields, elapsed: res.elapsed };
  if (res.json !== undefined) out.json = res.json;
  if (!wanted.includes(res.status)) {
    out.failed = true;
    out.msg = `Status code was ${res.status} and not ${pyStr(wanted)}: ${String(res.fields.msg ?? "")}`;
  }
  if (a.return_content) out.content = res.content;
  return out;
}

async function run(ctx: ModuleContext, a: Args): Promise<ModuleResult> {
  const method = a.method.toUpperCase();
  if (!/^[A-Z]+$/.test(method))
    return {
      changed: false,
      failed: true,
      msg: "Parameter 'method' needs to be a single word in uppercase, like GET or POST.",
    };
  if (ctx.check) return { changed: false, skipped: true, msg: "remote module (uri) does not support check mode" };
  const r = await ctx.exec(requestScript(a, curlConfig(a, method)));
  // the last marker is the script's own: a response header cannot pose as it (the body is base64)
  const marker = [...r.stdout.matchAll(/^KPLAY-RESULT: (\S+)$/gm)].pop()?.[1];
  if (marker === "skipped=creates") return { changed: false, stdout: `skipped, since '${a.creates}' exists` };
  if (marker === "skipped=removes") return { changed: false, stdout: `skipped, since '${a.removes}' does not exist` };
  if (marker === "nocurl=1")
    return { changed: false, failed: true, msg: `uri: kplay's uri runs curl on the node, and ${ctx.host} has none` };
  const line = statusLine(r.stdout);
  if (r.rc !== 0 || marker !== "done=1" || !line)
    return { changed: false, failed: true, rc: r.rc, msg: r.stderr.trim() };
  return result(a, parseResponse(r.stdout, line, a.url));
}

export const uriModule = defineModule({
  name: "uri",
  undo: "none",
  idempotent: true,
  schema,
  run,
});
