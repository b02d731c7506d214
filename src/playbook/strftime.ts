// Owns Python's strftime for the directives playbooks use (Ansible's now(fmt=…) and the strftime
// filter): the controller's clock, local time unless utc.

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = "January February March April May June July August September October November December".split(" ");

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

function zoneName(d: Date): string {
  const parts = Intl.DateTimeFormat("en", { timeZoneName: "short" }).formatToParts(d);
  return parts.find((x) => x.type === "timeZoneName")?.value ?? "";
}

export function strftime(fmt: string, d: Date, utc = false): string {
  const offset = utc ? 0 : -d.getTimezoneOffset();
  // a Date whose UTC fields are the wanted wall-clock fields
  const t = new Date(d.getTime() + offset * 60_000);
  const [Y, m, day, H, wd] = [t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate(), t.getUTCHours(), t.getUTCDay()];
  const yday = Math.floor((Date.UTC(Y, m, day) - Date.UTC(Y, 0, 1)) / 86_400_000) + 1;
  const codes: Record<string, () => string> = {
    Y: () => String(Y),
    y: () => pad(Y % 100),
    m: () => pad(m + 1),
    d: () => pad(day),
    H: () => pad(H),
    I: () => pad(H % 12 || 12),
    p: () => (H < 12 ? "AM" : "PM"),
    M: () => pad(t.getUTCMinutes()),
    S: () => pad(t.getUTCSeconds()),
    f: () => pad(d.getMilliseconds() * 1000, 6),
    s: () => String(Math.floor(d.getTime() / 1000)),
    j: () => pad(yday, 3),
    a: () => DAYS[wd].slice(0, 3),
    A: () => DAYS[wd],
    w: () => String(wd),
    b: () => MONTHS[m].slice(0, 3),
    B: () => MONTHS[m],
    z: () => (offset < 0 ? "-" : "+") + pad(Math.floor(Math.abs(offset) / 60)) + pad(Math.abs(offset) % 60),
    Z: () => (utc ? "UTC" : zoneName(d)),
    "%": () => "%",
  };
  return fmt.replace(/%([a-zA-Z%])/g, (all, c: string) => codes[c]?.() ?? all);
}

/** Wall-clock fields read by strptime (no zone: the node's local time gives them an instant). */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const FIELD: Record<string, { re: string; set: (w: WallClock, v: string) => void }> = {
  Y: { re: "(\\d{4})", set: (w, v) => (w.year = Number(v)) },
  y: { re: "(\\d{2})", set: (w, v) => (w.year = Number(v) + (Number(v) < 69 ? 2000 : 1900)) },
  m: { re: "(\\d{1,2})", set: (w, v) => (w.month = Number(v)) },
  d: { re: "(\\d{1,2})", set: (w, v) => (w.day = Number(v)) },
  H: { re: "(\\d{1,2})", set: (w, v) => (w.hour = Number(v)) },
  M: { re: "(\\d{1,2})", set: (w, v) => (w.minute = Number(v)) },
  S: { re: "(\\d{1,2})", set: (w, v) => (w.second = Number(v)) },
  b: { re: "([A-Za-z]{3})", set: (w, v) => (w.month = monthNumber(v.slice(0, 3))) },
  B: { re: "([A-Za-z]+)", set: (w, v) => (w.month = monthNumber(v.slice(0, 3))) },
};
const monthNumber = (abbr: string) => MONTHS.findIndex((x) => x.slice(0, 3).toLowerCase() === abbr.toLowerCase()) + 1;

/**
 * Python's time.strptime for the directives above (as the file module reads access_time and
 * modification_time); throws with Python's message when the text does not match the format.
 */
export function strptime(text: string, fmt: string): WallClock {
  const setters: Array<(w: WallClock, v: string) => void> = [];
  let re = "";
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    if (c !== "%") re += /\s/.test(c) ? "\\s+" : c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    else if (fmt[++i] === "%") re += "%";
    else {
      const f = FIELD[fmt[i]];
      if (!f) throw new Error(`'${fmt[i]}' is a bad directive in format '%${fmt[i]}'`);
      re += f.re;
      setters.push(f.set);
    }
  }
  const m = new RegExp(`^${re}$`).exec(text);
  const w: WallClock = { year: 1900, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  if (m) setters.forEach((set, i) => set(w, m[i + 1]));
  const days = new Date(Date.UTC(w.year, w.month, 0)).getUTCDate();
  const ok = m && w.month >= 1 && w.month <= 12 && w.day >= 1 && w.day <= days && w.hour < 24 && w.minute < 60;
  if (!ok || w.second > 61) throw new Error(`time data '${text}' does not match format '${fmt}'`);
  return w;
}
