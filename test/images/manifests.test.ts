// Images of manifests: every container kind in every workload kind, nothing from CRD schemas,
// custom resources or embedded text; rewriting changes only the image values.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KplayError } from "../../src/errors.js";
import { distinctImages, findImages, rewriteImages } from "../../src/images/manifests.js";

const FIX = join(import.meta.dirname, "../fixtures/manifests");
const load = (f: string) => findImages(readFileSync(join(FIX, f), "utf8"), f);
const CERTGEN =
  "registry.k8s.io/ingress-nginx/kube-webhook-certgen:v20231011-8b53cabe0@sha256:a7943503b45d552785aa3b5e457f169a5661fb94d82b8a3373bcd9ebaf9aac80";

describe("images of manifests", () => {
  it("finds containers, init and ephemeral containers in every workload kind and in Lists", () => {
    expect(distinctImages(load("workloads.yaml").uses)).toEqual([
      "docker.io/library/busybox:1.36",
      "docker.io/library/nginx:1.25",
      "docker.io/library/nginx:latest",
      "docker.io/nicolaka/netshoot:v0.11",
      "ghcr.io/example/postgres@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      "k8s.gcr.io/echoserver:1.10",
      "localhost:5000/tools/backup:2024.1",
      "quay.io/prometheus/node-exporter:v1.6.1",
      "registry.k8s.io/metrics-server/metrics-server:v0.6.4",
      "registry.k8s.io/pause:3.9",
    ]);
    const cron = load("workloads.yaml").uses.find((u) => u.image.includes("backup"))!;
    expect(cron).toMatchObject({
      line: 61,
      path: "[4].spec.jobTemplate.spec.template.spec.containers[0].image",
      object: "CronJob/nightly",
    });
    expect(load("workloads.yaml").uses.find((u) => u.image.includes("netshoot"))!.path).toBe(
      "[5].spec.ephemeralContainers[0].image",
    );
    expect(load("workloads.yaml").uses.find((u) => u.image.includes("echoserver"))!.path).toBe(
      "[7].items[0].spec.template.spec.containers[0].image",
    );
  });

  it("lists nothing from a CRD's schema, a custom resource's own image field, or YAML inside a string", () => {
    expect(load("crd.yaml").uses).toEqual([]);
  });

  it("reads Helm output (Source comments, empty documents) and deduplicates", () => {
    expect(distinctImages(load("helm.yaml").uses)).toEqual([
      "registry.k8s.io/ingress-nginx/controller:v1.9.4@sha256:5b161f051d017e55d358435f295f5e9a297e66158f136321d9b04520ec6c48a3",
      CERTGEN,
    ]);
    expect(load("helm.yaml").uses).toHaveLength(3);
  });

  it("rewrites only the image values: comments, quotes and layout kept, idempotent", () => {
    const text = readFileSync(join(FIX, "workloads.yaml"), "utf8");
    const r = rewriteImages(findImages(text, "w.yaml"), "kube.registry.local/library");
    expect(r.changes).toHaveLength(11);
    expect(r.text).toContain('image: "kube.registry.local/library/busybox:1.36"   # quoted, Docker Hub in full');
    expect(r.text).toContain("image: 'kube.registry.local/library/metrics-server/metrics-server:v0.6.4'");
    expect(r.text).toContain(
      "containers: [{name: agent, image: kube.registry.local/library/prometheus/node-exporter:v1.6.1}]",
    );
    expect(r.text).toContain("image: kube.registry.local/library/nginx   # no tag: latest");
    // every line that is not an image line is byte-identical
    const strip = (t: string) => t.split("\n").filter((l) => !/image:/.test(l));
    expect(strip(r.text)).toEqual(strip(text));
    expect(r.text.split("\n")).toHaveLength(text.split("\n").length);
    expect(rewriteImages(findImages(r.text, "w.yaml"), "kube.registry.local/library").changes).toEqual([]);
  });

  it("a malformed document or reference is an input error with file and line", () => {
    const bad = (t: string) => {
      try {
        findImages(t, "bad.yaml");
      } catch (e) {
        return e as KplayError;
      }
      throw new Error("no error");
    };
    const e1 = bad("kind: Pod\nspec:\n  containers:\n  - image: [unclosed\n");
    expect(e1.exitCode).toBe(2);
    expect(e1.where.file).toBe("bad.yaml");
    const e2 = bad("kind: Pod\nspec:\n  containers:\n  - name: a\n    image: Bad:Tag!\n");
    expect(e2.describe()).toMatch(/^bad\.yaml:5: spec\.containers\[0\]\.image: /);
  });
});
