// Owns the template helpers real configs need: default, join, toYaml, toJson, indent, b64encode,
// eq/ne/and/or/not/lt/gt, lower/upper, last, wordAfter (a flag's value in a command line),
// quote (a list: each word quoted; the shared shell quoting), host/port split (ipaddr-style), lookup of hostvars.
import type { HelperOptions } from "handlebars";
import { quote } from "../transport/quote.js";
import { stringify } from "yaml";

type HB = typeof import("handlebars");
const args = (a: unknown[]) => a.slice(0, -1); // drop Handlebars' options object

export function registerHelpers(hb: HB): void {
  hb.registerHelper("default", (v: unknown, d: unknown) => (v === undefined || v === null || v === "" ? d : v));
  hb.registerHelper("join", (list: unknown, sep: unknown) =>
    Array.isArray(list) ? list.join(typeof sep === "string" ? sep : ",") : String(list ?? ""),
  );
  hb.registerHelper("toJson", (v: unknown) => JSON.stringify(v));
  hb.registerHelper("toYaml", (v: unknown) => stringify(v).replace(/\n$/, ""));
  hb.registerHelper("indent", (n: unknown, text: unknown) => {
    const pad = " ".repeat(Number(n) || 0);
    return String(text ?? "")
      .split("\n")
      .map((l, i) => (i === 0 || l === "" ? l : pad + l))
      .join("\n");
  });
  hb.registerHelper("b64encode", (v: unknown) => Buffer.from(String(v ?? "")).toString("base64"));
  hb.registerHelper("b64decode", (v: unknown) => Buffer.from(String(v ?? ""), "base64").toString("utf8"));
  hb.registerHelper("eq", (a: unknown, b: unknown) => a === b);
  hb.registerHelper("ne", (a: unknown, b: unknown) => a !== b);
  hb.registerHelper("lt", (a: unknown, b: unknown) => (a as number) < (b as number));
  hb.registerHelper("gt", (a: unknown, b: unknown) => (a as number) > (b as number));
  hb.registerHelper("and", (...a: unknown[]) => args(a).every(Boolean));
  hb.registerHelper("or", (...a: unknown[]) => args(a).some(Boolean));
  hb.registerHelper("not", (v: unknown) => !v);
  hb.registerHelper("lower", (v: unknown) => String(v ?? "").toLowerCase());
  hb.registerHelper("upper", (v: unknown) => String(v ?? "").toUpperCase());
  hb.registerHelper("quote", (v: unknown) =>
    Array.isArray(v) ? v.map((x) => quote(String(x ?? ""))).join(" ") : quote(String(v ?? "")),
  );
  hb.registerHelper("last", (v: unknown) => (Array.isArray(v) ? v[v.length - 1] : String(v ?? "").slice(-1)));
  // the word after a flag in a command line: {{wordAfter join_cmd "--token"}}
  hb.registerHelper("wordAfter", (text: unknown, flag: unknown) => {
    const w = String(text ?? "").split(/\s+/);
    const i = w.indexOf(String(flag));
    return i >= 0 && i + 1 < w.length ? w[i + 1] : "";
  });
  // a full URL as it is, a path joined under `base` (the files server): urlUnder download_url item.url
  hb.registerHelper("urlUnder", (base: unknown, url: unknown) => {
    const u = String(url ?? "");
    return /^[a-z][a-z0-9+.-]*:\/\//i.test(u)
      ? u
      : `${String(base ?? "").replace(/\/+$/, "")}/${u.replace(/^\/+/, "")}`;
  });
  hb.registerHelper("concat", (...a: unknown[]) =>
    args(a)
      .map((x) => String(x ?? ""))
      .join(""),
  );
  // "10.0.0.1:8080" -> host / port; "[::1]:443" handled too.
  hb.registerHelper("hostOf", (v: unknown) => splitHostPort(String(v ?? ""))[0]);
  hb.registerHelper("portOf", (v: unknown, options: HelperOptions | unknown) => {
    const p = splitHostPort(String(v ?? ""))[1];
    return (
      p ??
      (typeof options === "object" && options && "hash" in options
        ? (options as HelperOptions).hash.default
        : undefined)
    );
  });
}

export function splitHostPort(s: string): [string, string | undefined] {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) return [v6[1], v6[2]];
  const i = s.lastIndexOf(":");
  if (i > 0 && s.indexOf(":") === i) return [s.slice(0, i), s.slice(i + 1)];
  return [s, undefined];
}
