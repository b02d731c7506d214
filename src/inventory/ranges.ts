// Owns Ansible host-range expansion: node[1:3], node[01:10], node[a:c], node[1:10:2].
import { inputError, type Where } from "../errors.js";

const RANGE_RE = /\[([^\][:]+):([^\][:]+)(?::(\d+))?\]/;

export function expandHostRange(pattern: string, where: Where = {}): string[] {
  const m = RANGE_RE.exec(pattern);
  if (!m) return [pattern];
  const [whole, begRaw, endRaw, strideRaw] = m;
  const head = pattern.slice(0, m.index);
  const tail = pattern.slice(m.index + whole.length);
  const stride = strideRaw ? Number(strideRaw) : 1;
  if (stride < 1) throw inputError(`invalid stride in host range ${pattern}`, where);
  const items: string[] = [];
  if (/^\d+$/.test(begRaw) && /^\d+$/.test(endRaw)) {
    const beg = Number(begRaw),
      end = Number(endRaw);
    if (beg > end) throw inputError(`host range ${pattern} starts after it ends`, where);
    const width = begRaw.length > 1 && begRaw.startsWith("0") ? begRaw.length : 0;
    for (let i = beg; i <= end; i += stride) items.push(width ? String(i).padStart(width, "0") : String(i));
  } else if (/^[a-z]$/i.test(begRaw) && /^[a-z]$/i.test(endRaw)) {
    const beg = begRaw.charCodeAt(0),
      end = endRaw.charCodeAt(0);
    if (beg > end) throw inputError(`host range ${pattern} starts after it ends`, where);
    for (let c = beg; c <= end; c += stride) items.push(String.fromCharCode(c));
  } else {
    throw inputError(`invalid host range ${pattern}`, where, "use [1:3], [01:10] or [a:c]");
  }
  return items.flatMap((it) => expandHostRange(head + it + tail, where));
}
