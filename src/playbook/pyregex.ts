// Owns reading Python regular expressions (what Ansible's modules and filters take) as
// JavaScript ones: named groups (?P<name>…) and back-references (?P=name), and inline flags at
// the start ((?i), (?m), (?s), combined) turned into the RegExp's flags.
export function pyRegex(pattern: unknown, flags = ""): RegExp {
  let p = String(pattern);
  const inline = /^\(\?([aiLmsux]+)\)/.exec(p);
  let f = flags;
  if (inline) {
    p = p.slice(inline[0].length);
    for (const c of inline[1]) if ("ims".includes(c) && !f.includes(c)) f += c;
  }
  return new RegExp(p.replace(/\(\?P<(\w+)>/g, "(?<$1>").replace(/\(\?P=(\w+)\)/g, "\\k<$1>"), f);
}
