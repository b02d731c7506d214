// Owns cutting a value down to a size fit for output or state: strings longer than maxString keep
// their start and say how much was cut, lists keep their first maxItems items and say how many
// were left out. Small values come back unchanged (the same object).

export interface Bounds {
  maxString: number;
  maxItems: number;
}

export function bounded(v: unknown, b: Bounds, depth = 0): unknown {
  if (typeof v === "string")
    return v.length > b.maxString
      ? `${v.slice(0, b.maxString)}…[${v.length - b.maxString} more characters not kept]`
      : v;
  if (depth > 12 || v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) {
    const items =
      v.length > b.maxItems ? [...v.slice(0, b.maxItems), `…[${v.length - b.maxItems} more items not kept]`] : v;
    let changed = items !== v;
    const out = items.map((x) => {
      const y = bounded(x, b, depth + 1);
      if (y !== x) changed = true;
      return y;
    });
    return changed ? out : v;
  }
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const y = bounded(x, b, depth + 1);
    if (y !== x) changed = true;
    out[k] = y;
  }
  return changed ? out : v;
}
