// Owns Ansible's `comment` filter (plugins/filter/core.py): text turned into a comment block in a
// style (plain "# ", erlang "% ", c "// ", cblock /* … */, xml <!-- … -->), each part overridable
// (decoration, beginning, end, prefix, postfix, their counts, newline). Templates use it as
// `{{ ansible_managed | comment }}`.

type Style = { decoration: string; beginning?: string; end?: string };

const STYLES: Record<string, Style> = {
  plain: { decoration: "# " },
  erlang: { decoration: "% " },
  c: { decoration: "// " },
  cblock: { beginning: "/*", decoration: " * ", end: " */" },
  xml: { beginning: "<!--", decoration: " - ", end: "-->" },
};

/** Bounds a count given by a playbook (a prefix repeated a million times is a mistake). */
const MAX_COUNT = 1000;

export function commentFilter(text: string, style: string, kw: Record<string, unknown>): string {
  const base = STYLES[style];
  if (!base) throw new Error(`comment: unknown style ${JSON.stringify(style)} (plain, erlang, c, cblock, xml)`);
  const prepostfix = "decoration" in kw ? String(kw.decoration) : base.decoration;
  const p: Record<string, unknown> = {
    newline: "\n",
    beginning: "",
    prefix: prepostfix.trimEnd(),
    prefix_count: 1,
    postfix: prepostfix.trimEnd(),
    postfix_count: 1,
    end: "",
    ...base,
    ...kw,
  };
  const s = (k: string) => String(p[k] ?? "");
  const count = (k: string) => Math.max(0, Math.min(MAX_COUNT, Math.trunc(Number(p[k]) || 0)));
  const nl = s("newline");
  const deco = s("decoration");
  const beginning = s("beginning") ? `${s("beginning")}${nl}` : "";
  const prefix = !s("prefix") ? "" : (s("prefix") !== nl ? `${s("prefix")}${nl}` : nl).repeat(count("prefix_count"));
  const body = `${deco}${text.split(nl).join(`${nl}${deco}`)}`.split(`${deco}${nl}`).join(`${deco.trimEnd()}${nl}`);
  const postfix = ["", ...Array.from({ length: count("postfix_count") }, () => s("postfix"))].join(nl);
  const end = s("end") ? `${nl}${s("end")}` : "";
  return `${beginning}${prefix}${body}${postfix}${end}`;
}
