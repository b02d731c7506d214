// Owns Python's printf-style formatting (`"%s/member-%s.pem" | format(dir, host)` and
// `"%s" % x` in Jinja): conversions s r d i u f F e E g G x X o c %, flags - + space 0 #, width
// and precision (or * from the arguments), and %(name)s against a mapping. Values print as
// Python's str()/repr() (pyStr/repr passed in: they live with the Jinja library).

export class FormatError extends Error {}

interface Printers {
  str: (v: unknown) => string;
  repr: (v: unknown) => string;
}

const SPEC = /%(?:\(([^)]*)\))?([-+ 0#]*)(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])/g;

function toNumber(v: unknown, conv: string): number {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number") return v;
  throw new FormatError(`%${conv} format: a real number is required, not ${typeof v === "string" ? "str" : typeof v}`);
}

function pad(body: string, flags: string, width: number | undefined, numeric: boolean): string {
  if (width === undefined || body.length >= width) return body;
  if (flags.includes("-")) return body.padEnd(width);
  if (numeric && flags.includes("0")) {
    const sign = /^[-+ ]/.test(body) ? body[0] : "";
    return sign + body.slice(sign.length).padStart(width - sign.length, "0");
  }
  return body.padStart(width);
}

function signed(n: number, body: string, flags: string): string {
  if (n < 0 || Object.is(n, -0)) return body;
  return flags.includes("+") ? `+${body}` : flags.includes(" ") ? ` ${body}` : body;
}

/**
 * n with `digits` decimals as Python prints it: a value exactly halfway rounds to even (2.25 ->
 * "2.2"), where JavaScript's toFixed rounds up; otherwise the same (both round the exact value).
 */
function fixed(n: number, digits: number): string {
  const exact = n.toFixed(Math.min(100, digits + 60));
  const [int, frac = ""] = exact.split(".");
  const rest = frac.slice(digits);
  if (!/^50*$/.test(rest)) return n.toFixed(digits);
  const kept = `${int}${frac.slice(0, digits)}`;
  const even = Number(kept.at(-1)) % 2 === 0;
  const rounded = even ? BigInt(kept) : BigInt(kept) + 1n;
  const text = rounded.toString().padStart(digits + 1, "0");
  return digits ? `${text.slice(0, -digits)}.${text.slice(-digits)}` : text;
}

/** One conversion of the format: %(key)<flags><width>.<precision><conv>. */
interface Spec {
  conv: string;
  flags: string;
  precision?: number;
}

function convert(v: unknown, spec: Spec, p: Printers): string {
  const { conv, flags, precision } = spec;
  switch (conv) {
    case "s":
    case "r":
    case "a": {
      const s = conv === "s" ? p.str(v) : p.repr(v);
      return precision === undefined ? s : s.slice(0, precision);
    }
    case "c":
      return typeof v === "number" ? String.fromCodePoint(v) : p.str(v).slice(0, 1);
    case "d":
    case "i":
    case "u": {
      const n = Math.trunc(toNumber(v, conv));
      return signed(n, String(n), flags);
    }
    case "x":
    case "X":
    case "o": {
      const n = Math.trunc(toNumber(v, conv));
      const base = conv === "o" ? 8 : 16;
      let digits = Math.abs(n).toString(base);
      if (flags.includes("#")) digits = (conv === "o" ? "0o" : "0x") + digits;
      if (conv === "X") digits = digits.toUpperCase();
      return signed(n, (n < 0 ? "-" : "") + digits, flags);
    }
    default: {
      const n = toNumber(v, conv);
      const digits = precision ?? 6;
      const lower = conv.toLowerCase();
      let body =
        lower === "f"
          ? fixed(Math.abs(n), digits)
          : lower === "e"
            ? Math.abs(n)
                .toExponential(digits)
                .replace(/e([+-])(\d)$/, "e$10$2")
            : String(Number(Math.abs(n).toPrecision(digits || 1)));
      if (conv === conv.toUpperCase()) body = body.toUpperCase();
      return signed(n, (n < 0 ? "-" : "") + body, flags);
    }
  }
}

/** `fmt % args` as Python does it; `args` a list (positional) or a mapping (%(name)s). */
export function percentFormat(fmt: string, args: unknown, p: Printers): string {
  const mapping =
    args && typeof args === "object" && !Array.isArray(args) ? (args as Record<string, unknown>) : undefined;
  const list = Array.isArray(args) ? args : mapping ? [] : [args];
  let next = 0;
  const take = () => {
    if (next >= list.length) throw new FormatError("not enough arguments for format string");
    return list[next++];
  };
  const out = fmt.replace(SPEC, (...m: Array<string | undefined>) => {
    const [key, flags = "", w, prec, conv = "s"] = m.slice(1, 6);
    if (conv === "%") return "%";
    const width = w === "*" ? Number(take()) : w !== undefined ? Number(w) : undefined;
    const precision = prec === "*" ? Number(take()) : prec !== undefined ? Number(prec) : undefined;
    let v: unknown;
    if (key !== undefined) {
      if (!mapping) throw new FormatError("format requires a mapping");
      if (!(key in mapping)) throw new FormatError(`'${key}'`);
      v = mapping[key];
    } else v = take();
    return pad(convert(v, { conv, flags, precision }, p), flags, width, !"srac".includes(conv));
  });
  if (!mapping && next < list.length) throw new FormatError("not all arguments converted during string formatting");
  return out;
}
