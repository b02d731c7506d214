// Owns Ansible host-range expansion: node[1:3], node[01:10], node[a:c], node[1:10:2].
import { inputError, type Where } from "../errors.js";

const RANGE_RE = /\[([^\][:]+):([^\][:]+)(?::(\d+))?\]/;

/**
 * At most this many hosts in one inventory (and so from one range): twice Kubernetes' largest
 * supported cluster (5,000 nodes). Ansible has no bound; a typo such as node[1:99999999] would
 * otherwise take the controller's memory.
 */
export const MAX_HOSTS = 10_000;

export function expandHostRange(pattern: string, where: Where = {}): string[] {
  const count = rangeCount(pattern);
  if (count > MAX_HOSTS)
    throw inputError(`${pattern}: the range makes ${count} hosts, more than ${MAX_HOSTS} hosts`, where);
  return expand(pattern, where);
}

/** How many names a pattern's ranges make (the product of each range's length), without making them. */
function rangeCount(pattern: string): number {
  let count = 1;
  let rest = pattern;
  for (let m = RANGE_RE.exec(rest); m; m = RANGE_RE.exec(rest)) {
    const [whole, beg, end, strideRaw] = m;
    const stride = strideRaw ? Number(strideRaw) : 1;
    const numeric = /^\d+$/.test(beg) && /^\d+$/.test(end);
    const span = numeric ? Number(end) - Number(beg) : end.charCodeAt(0) - beg.charCodeAt(0);
    if (stride >= 1 && span >= 0) count *= Math.floor(span / stride) + 1;
    if (count > MAX_HOSTS) return count;
    rest = rest.slice(m.index + whole.length);
  }
  return count;
}

function expand(pattern: string, where: Where): string[] {
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
  return items.flatMap((it) => expand(head + it + tail, where));
}
