// Owns AWS Signature Version 4 for S3-compatible stores (AWS, MinIO, Ceph RGW, ...): the
// canonical request, the string to sign, the derived key and the Authorization header. The
// secret key is used only here and never leaves this function's result except as a signature.
import { createHmac } from "node:crypto";

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const hmac = (key: Buffer | string, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest();
export { sha256Hex } from "../hash.js";
import { sha256Hex } from "../hash.js";

/** RFC 3986 encoding as SigV4 wants it (slashes kept in paths). */
export function awsEncode(s: string, keepSlash = true): string {
  return [...Buffer.from(s, "utf8")]
    .map((b) => {
      const c = String.fromCharCode(b);
      if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === "/")) return c;
      return `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
}

/**
 * Headers to add to a request so an S3-compatible store accepts it. `headers` must hold every
 * header that will be sent and signed (host included); `payloadSha256` is the body's hex sha256.
 */
export function signS3(o: {
  method: string;
  path: string;
  query?: Record<string, string>;
  headers: Record<string, string>;
  payloadSha256: string;
  region: string;
  credentials: S3Credentials;
  date?: Date;
  service?: string;
}): Record<string, string> {
  const date = o.date ?? new Date();
  const amzDate = date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  const day = amzDate.slice(0, 8);
  const service = o.service ?? "s3";
  const headers: Record<string, string> = {
    ...o.headers,
    "x-amz-content-sha256": o.payloadSha256,
    "x-amz-date": amzDate,
  };
  if (o.credentials.sessionToken) headers["x-amz-security-token"] = o.credentials.sessionToken;
  const lower = Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v.trim().replace(/\s+/g, " ")]),
  );
  const names = Object.keys(lower).sort();
  const query = Object.entries(o.query ?? {})
    .map(([k, v]) => `${awsEncode(k, false)}=${awsEncode(v, false)}`)
    .sort()
    .join("&");
  const canonical = [
    o.method,
    awsEncode(o.path),
    query,
    names.map((n) => `${n}:${lower[n]}\n`).join(""),
    names.join(";"),
    o.payloadSha256,
  ].join("\n");
  const scope = `${day}/${o.region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonical)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${o.credentials.secretAccessKey}`, day), o.region), service), "aws4_request");
  const signature = createHmac("sha256", key).update(toSign, "utf8").digest("hex");
  return {
    ...headers,
    authorization:
      `AWS4-HMAC-SHA256 Credential=${o.credentials.accessKeyId}/${scope},` +
      `SignedHeaders=${names.join(";")},Signature=${signature}`,
  };
}
