// Owns where kplay's HTTP clients (bundle downloads, the registry client) may be sent by a
// redirect, and when credentials may follow: only http(s) targets, never from https down to
// http, never to file: or any other scheme; credentials only while scheme, host and port stay
// the same. A refused redirect is an error naming both addresses.
import { KplayError } from "../errors.js";

const DEFAULT_PORT: Record<string, string> = { "http:": "80", "https:": "443" };

/** Same scheme, host and port (a missing port is the scheme's default). */
export function sameOrigin(a: URL, b: URL): boolean {
  const port = (u: URL) => u.port || DEFAULT_PORT[u.protocol] || "";
  return a.protocol === b.protocol && a.hostname.toLowerCase() === b.hostname.toLowerCase() && port(a) === port(b);
}

/** The URL a redirect from `from` to `location` leads to, or an error when kplay must not follow it. */
export function redirectTarget(from: URL, location: string): URL {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new KplayError("host", `${from.origin}${from.pathname}: redirected to an invalid address`);
  }
  if (next.protocol !== "http:" && next.protocol !== "https:") {
    throw new KplayError(
      "host",
      `${from.origin}${from.pathname}: refused a redirect to a ${next.protocol} address ` +
        "(only http and https are followed)",
    );
  }
  if (from.protocol === "https:" && next.protocol === "http:") {
    throw new KplayError(
      "host",
      `${from.origin}${from.pathname}: refused a redirect from https to http (${next.origin})`,
    );
  }
  return next;
}
