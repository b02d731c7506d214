// SigV4 for S3-compatible stores, checked against the signing example AWS publishes for S3
// (GET /test.txt from examplebucket with a Range header, 2013-05-24, us-east-1).
import { describe, expect, it } from "vitest";
import { awsEncode, sha256Hex, signS3 } from "../../src/bundle/sigv4.js";

describe("SigV4", () => {
  it("matches AWS's published example signature for GET Object", () => {
    const h = signS3({
      method: "GET",
      path: "/test.txt",
      headers: { host: "examplebucket.s3.amazonaws.com", range: "bytes=0-9" },
      payloadSha256: sha256Hex(""),
      region: "us-east-1",
      credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
      date: new Date("2013-05-24T00:00:00Z"),
    });
    expect(h.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    );
    expect(h["x-amz-date"]).toBe("20130524T000000Z");
    expect(JSON.stringify(h)).not.toContain("wJalrXUtnFEMI");
  });

  it("encodes paths as SigV4 wants (unreserved kept, slashes kept in paths only)", () => {
    expect(awsEncode("/files/dl.k8s.io/release/v1.28.4/bin/linux/amd64/kube adm+x")).toBe(
      "/files/dl.k8s.io/release/v1.28.4/bin/linux/amd64/kube%20adm%2Bx",
    );
    expect(awsEncode("a/b", false)).toBe("a%2Fb");
  });
});
