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
