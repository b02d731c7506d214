// playbooks/files/rewrite-images.sh, run with the controller's sh on tables of manifests: which
// image references move to the internal registry, what stays byte-identical, and idempotency.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const SCRIPT = join(import.meta.dirname, "../../playbooks/files/rewrite-images.sh");
const REPO = "kube.registry.local/library";

function run(src: string, ...seds: string[]): { out: string; dst: string; again: string } {
  const d = mkdtempSync(join(tmpdir(), "kplay-rw-"));
  writeFileSync(join(d, "in.yaml"), src);
  const args = [SCRIPT, join(d, "in.yaml"), join(d, "out.yaml"), REPO, ...seds];
  const out = execFileSync("sh", args, { encoding: "utf8" }).trim();
  const again = execFileSync("sh", args, { encoding: "utf8" }).trim();
  return { out, dst: readFileSync(join(d, "out.yaml"), "utf8"), again };
}

describe("rewrite-images.sh", () => {
  it.each([
    [
      "a Docker Hub name with a namespace",
      "    image: docker.io/calico/node:v3.26.4",
      `    image: ${REPO}/calico/node:v3.26.4`,
    ],
    [
      "registry.k8s.io with a path",
      '  - image: "registry.k8s.io/metrics-server/metrics-server:v0.6.4"',
      `  - image: "${REPO}/metrics-server/metrics-server:v0.6.4"`,
    ],
    ["a short Docker Hub name", "      image: busybox:1.36", `      image: ${REPO}/busybox:1.36`],
    ["a registry with a port", "    image: localhost:5000/foo/bar:1", `    image: ${REPO}/foo/bar:1`],
    ["a digest", "    image: quay.io/x/y@sha256:" + "a".repeat(64), `    image: ${REPO}/x/y@sha256:${"a".repeat(64)}`],
    [
      "an image already in the internal registry",
      `    image: ${REPO}/calico/cni:v3.26.4`,
      `    image: ${REPO}/calico/cni:v3.26.4`,
    ],
    ["single quotes", "    image: 'ghcr.io/org/app:2'", `    image: '${REPO}/org/app:2'`],
  ])("%s", (_n, line, want) => {
    const r = run(`spec:\n  containers:\n${line}\n`);
    expect(r.dst).toBe(`spec:\n  containers:\n${want}\n`);
    expect(r.again).toBe("unchanged");
  });

  it("keeps comments and every other line byte for byte; extra sed expressions apply after", () => {
    const src =
      '# image: docker.io/commented:1\nkind: DaemonSet\n    image: docker.io/flannel/flannel:v0.22.3\n    net-conf.json: |\n      { "Network": "10.244.0.0/16" }\n';
    const r = run(src, 's#("Network":[[:space:]]*)"[0-9./]+"#\\1"10.233.64.0/18"#');
    expect(r.out).toBe("written");
    expect(r.dst).toBe(
      `# image: docker.io/commented:1\nkind: DaemonSet\n    image: ${REPO}/flannel/flannel:v0.22.3\n    net-conf.json: |\n      { "Network": "10.233.64.0/18" }\n`,
    );
  });

  it("a manifest without any image is an error (a wrong file, not a no-op)", () => {
    const d = mkdtempSync(join(tmpdir(), "kplay-rw-"));
    writeFileSync(join(d, "in.yaml"), "kind: ConfigMap\n");
    expect(() =>
      execFileSync("sh", [SCRIPT, join(d, "in.yaml"), join(d, "out.yaml"), REPO], { stdio: "pipe" }),
    ).toThrow(/no image reference to rewrite/);
  });
});
