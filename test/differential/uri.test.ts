// The uri module as ansible-playbook 2.14's runs it, against an HTTP server on loopback that this
// test starts (its port reaches both engines through the environment, so the playbook — and the
// recording's key — stay the same): JSON and text answers, an unwanted status, a redirect
// followed, POST bodies as json and form-urlencoded, basic auth, cookies, status_code lists,
// creates/removes, a refused connection and until-retries on status.
import { createServer, type Server, type ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sameAsAnsible } from "../harness/differential.js";

let server: Server;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => answer(req.method ?? "", req.url ?? "", { body, headers: req.headers }, res));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  process.env.KPLAY_URI_PORT = String((server.address() as { port: number }).port);
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

type Res = ServerResponse;

function answer(method: string, url: string, req: { body: string; headers: Record<string, unknown> }, res: Res): void {
  const send = (status: number, type: string, text: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(text), ...extra });
    res.end(text);
  };
  const auth = `Basic ${Buffer.from("ann:s3cret").toString("base64")}`;
  if (url === "/json")
    return send(200, "application/json", '{"a": 1, "b": [true, null]}', { "Set-Cookie": "sid=42; Path=/" });
  if (url === "/text") return send(200, "text/plain; charset=utf-8", "hello\nworld\n", { "X-Trace-Id": "t1" });
  if (url === "/missing") return send(404, "text/plain", "nope");
  if (url === "/moved") return send(302, "text/plain", "", { Location: "/json" });
  if (url === "/created") return send(201, "text/plain", "made");
  if (url === "/echo")
    return send(200, "application/json", JSON.stringify({ method, type: req.headers["content-type"], body: req.body }));
  if (url === "/auth")
    return req.headers.authorization === auth
      ? send(200, "text/plain", "welcome")
      : send(401, "text/plain", "who?", { "WWW-Authenticate": 'Basic realm="t"' });
  send(500, "text/plain", "unexpected");
}

const main = (out: string) => `
- hosts: h1
  gather_facts: no
  vars:
    base: "http://127.0.0.1:{{ lookup('env', 'KPLAY_URI_PORT') }}"
  tasks:
    - uri: { url: "{{ base }}/json" }
      register: j
    - uri: { url: "{{ base }}/text", return_content: yes }
      register: t
    - uri: url={{ base }}/missing
      register: miss
      ignore_errors: true
    - uri: { url: "{{ base }}/missing", status_code: [200, 404], return_content: true }
      register: miss_ok
    - uri: { url: "{{ base }}/moved" }
      register: moved
    - uri: { url: "{{ base }}/moved", follow_redirects: none }
      register: not_moved
      ignore_errors: true
    - uri: { url: "{{ base }}/created", method: PUT, status_code: "201" }
      register: created
    - uri: { url: "{{ base }}/echo", method: POST, body_format: json, body: { k: [1, 2], s: x } }
      register: posted_json
    - uri: { url: "{{ base }}/echo", method: POST, body_format: form-urlencoded, body: { name: a b, n: 1 } }
      register: posted_form
    - uri: { url: "{{ base }}/echo", method: PATCH, body: "raw text", headers: { Content-Type: text/plain } }
      register: posted_raw
    - uri: { url: "{{ base }}/auth", url_username: ann, url_password: s3cret, force_basic_auth: yes, return_content: yes }
      register: authed
    - uri: { url: "{{ base }}/auth" }
      register: unauthed
      ignore_errors: true
    - uri: { url: "http://127.0.0.1:1/", timeout: 5 }
      register: refused
      ignore_errors: true
    - uri: { url: "{{ base }}/json", creates: "${out}" }
      register: created_guard
    - uri: { url: "{{ base }}/json", method: get }
      register: lower_method
      ignore_errors: true
    - uri: { url: "{{ base }}/json" }
      register: polled
      until: polled.status == 200
      retries: 3
      delay: 1
    - copy:
        dest: "${out}/results"
        content: |
          json: {{ j.status }} {{ j.msg }} {{ j.json }} {{ j.content_type }} {{ j.cookies }} {{ j.cookies_string }} {{ j.redirected }} {{ j.url | replace(base, 'BASE') }} {{ 'content' in j }} {{ j.changed }}
          text: {{ t.content | to_json }} {{ t.x_trace_id }} {{ t.content_length }} {{ 'json' in t }}
          missing: {{ miss.failed }} {{ miss.status }} {{ miss.msg }}
          missing-ok: {{ miss_ok.failed | default(false) }} {{ miss_ok.status }} {{ miss_ok.content }}
          moved: {{ moved.status }} {{ moved.redirected }} {{ moved.url | replace(base, 'BASE') }} {{ moved.json.a }}
          not-moved: {{ not_moved.failed }} {{ not_moved.status }} {{ not_moved.msg }} {{ not_moved.location | replace(base, 'BASE') }}
          created: {{ created.status }} {{ created.msg }}
          json-body: {{ posted_json.json.method }} {{ posted_json.json.type }} {{ posted_json.json.body | from_json }}
          form-body: {{ posted_form.json.type }} {{ posted_form.json.body }}
          raw-body: {{ posted_raw.json.method }} {{ posted_raw.json.type }} {{ posted_raw.json.body }}
          auth: {{ authed.status }} {{ authed.content }} {{ unauthed.failed }} {{ unauthed.status }} {{ unauthed.msg }}
          refused: {{ refused.failed }} {{ refused.status }} {{ refused.msg }}
          guard: {{ created_guard.changed }} {{ created_guard.stdout | replace('${out}', 'OUT') }} {{ 'status' in created_guard }}
          method: {{ lower_method.status }}
          polled: {{ polled.attempts }} {{ polled.status }}
`;

describe("uri", { timeout: 240_000 }, () => {
  it("as ansible-playbook's uri answers", async () => {
    const kplay = await sameAsAnsible({ main });
    expect(kplay.files.results).toContain("json: 200 OK (27 bytes) {'a': 1, 'b': [True, None]}");
    expect(kplay.files.results).toContain(
      "missing: True 404 Status code was 404 and not [200]: HTTP Error 404: Not Found",
    );
  });
});
