// Owns reading what the uri module's curl run printed into the fields Ansible's uri returns:
// the last response's headers (curl writes every response of a redirect chain; the last is the
// answer), Python's words for the outcome, cookies, the body as text and as JSON.

export interface Response {
  status: number;
  /** status, url, msg, redirected, cookies, cookies_string and every header (lower-cased, '-' as '_') */
  fields: Record<string, unknown>;
  elapsed: number;
  content: string;
  json?: unknown;
}

/** curl's exit code, the seconds it took, the HTTP status and the final URL (the KPLAY-CURL line). */
export function statusLine(stdout: string): { rc: number; elapsed: number; code: number; url: string } | undefined {
  const m = /^KPLAY-CURL: (\d+) (\d+) (\d+) (.*)$/m.exec(stdout);
  return m ? { rc: Number(m[1]), elapsed: Number(m[2]), code: Number(m[3]), url: m[4] } : undefined;
}

const between = (s: string, a: string, b: string) => {
  const i = s.indexOf(`${a}\n`);
  const j = s.indexOf(`${b}\n`, i + 1);
  return i < 0 || j < 0 ? "" : s.slice(i + a.length + 1, j);
};

/** The last response's status line and headers: names lower-cased, repeated ones joined with ", " (as urllib). */
function lastHeaders(head: string): {
  reason: string;
  headers: Record<string, string>;
  cookies: Array<[string, string]>;
} {
  const blocks = head.split(/\r?\n\r?\n/).filter((b) => /^HTTP\//.test(b));
  const cookies: Array<[string, string]> = [];
  let reason = "";
  let headers: Record<string, string> = {};
  for (const block of blocks) {
    const [status, ...lines] = block.split(/\r?\n/);
    reason = /^HTTP\/\S+ \d+ ?(.*)$/.exec(status)?.[1] ?? "";
    headers = {};
    for (const l of lines) {
      const i = l.indexOf(":");
      if (i <= 0) continue;
      const name = l.slice(0, i).trim().toLowerCase();
      const value = l.slice(i + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
      const c = name === "set-cookie" ? /^([^=;\s]+)=([^;]*)/.exec(value) : null;
      if (c) cookies.push([c[1], c[2]]);
    }
  }
  return { reason, headers, cookies };
}

/** curl's failures in the words of Python's urllib, as Ansible's uri reports them. */
function failureMsg(rc: number, err: string): string {
  const words: Record<number, string> = {
    6: "[Errno -2] Name or service not known",
    7: "[Errno 111] Connection refused",
    28: "timed out",
    35: "[SSL] TLS handshake failed",
    60: "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed",
  };
  const said = err.replace(/^curl: \(\d+\) /, "").trim();
  return `Request failed: <urlopen error ${words[rc] ?? said}>`;
}

const JSON_TYPES = new Set(["json", "javascript"]);

/** Whether a Content-Type is JSON (application/json, text/javascript, application/problem+json). */
function isJson(contentType: string | undefined): boolean {
  const sub = (contentType ?? "").split(";")[0].trim().toLowerCase().split("/")[1] ?? "";
  return JSON_TYPES.has(sub.includes("+") ? sub.split("+")[1] : sub);
}

/** The response as Ansible's uri returns it (`url`: what the task asked for). */
export function parseResponse(stdout: string, line: NonNullable<ReturnType<typeof statusLine>>, url: string): Response {
  const { reason, headers, cookies } = lastHeaders(between(stdout, "KPLAY-HEAD", "KPLAY-ERR"));
  const err = between(stdout, "KPLAY-ERR", "KPLAY-BODY");
  const content = Buffer.from(
    between(stdout, "KPLAY-BODY", "KPLAY-RESULT: done=1").replace(/\s+/g, ""),
    "base64",
  ).toString("utf8");
  const answered = line.code > 0;
  // urllib answers anything but 2xx with an HTTPError (a redirect it did not follow too)
  const ok = line.code >= 200 && line.code < 300;
  const status = answered ? line.code : -1;
  const msg = !answered
    ? failureMsg(line.rc, err)
    : ok
      ? `OK (${headers["content-length"] ?? "unknown"} bytes)`
      : `HTTP Error ${line.code}: ${reason}`;
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers)) fields[k.replace(/-/g, "_")] = v;
  Object.assign(fields, {
    url: ok ? line.url : url,
    status,
    msg,
    redirected: ok && line.url !== url,
    cookies: Object.fromEntries(cookies),
    cookies_string: cookies.map(([k, v]) => `${k}=${v}`).join("; "),
  });
  if (typeof fields.location === "string") fields.location = absoluteLocation(url, fields.location);
  let json: unknown;
  if (isJson(headers["content-type"]))
    try {
      json = JSON.parse(content);
    } catch {
      json = undefined;
    }
  return { status, fields, elapsed: line.elapsed, content, json };
}

/** Ansible's absolute_location: a Location header made absolute against the URL asked for. */
function absoluteLocation(url: string, location: string): string {
  if (location.includes("://")) return location;
  if (location.startsWith("/")) {
    const path = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/i.exec(url)?.[1] ?? "";
    return `${path ? url.replace(path, "") : url}${location}`;
  }
  return `${url.slice(0, Math.max(url.lastIndexOf("/"), 0))}/${location}`;
}
