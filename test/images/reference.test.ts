// Image references: parsing and normalising as Docker/containerd do, and mapping into the
// internal registry's project.
import { describe, expect, it } from "vitest";
import { formatRef, isUnder, normalizeRef, parseRef, retarget } from "../../src/images/reference.js";

describe("image references", () => {
  it.each([
    ["busybox", "docker.io/library/busybox:latest"],
    ["busybox:1.36", "docker.io/library/busybox:1.36"],
    ["calico/node:v3.26.4", "docker.io/calico/node:v3.26.4"],
    ["index.docker.io/library/nginx:1", "docker.io/library/nginx:1"],
    ["registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9"],
    ["localhost:5000/a/b", "localhost:5000/a/b:latest"],
    ["10.0.0.5:5000/x:1", "10.0.0.5:5000/x:1"],
    ["quay.io/x/y@sha256:" + "ab".repeat(32), "quay.io/x/y@sha256:" + "ab".repeat(32)],
    ["r.io/x:v1@sha256:" + "ab".repeat(32), "r.io/x:v1@sha256:" + "ab".repeat(32)],
  ])("%s -> %s", (a, b) => expect(normalizeRef(a)).toBe(b));

  it.each([
    ["", /empty/],
    ["Nginx:1", /not a valid repository name component/],
    ["nginx:bad tag", /not a valid tag/],
    ["x@sha256:zz", /not a digest/],
    ["bad_host.io:x/y", /not a valid tag|not a registry host|component/],
  ])("%j is refused", (a, msg) => {
    expect(() => parseRef(a)).toThrow(msg);
  });

  it("maps into a project: Docker Hub's library/ dropped, other paths kept, tag and digest kept", () => {
    const to = (s: string, keep = false) =>
      formatRef(retarget(parseRef(s), "kube.registry.local/library", { keepRegistry: keep }), { defaultTag: false });
    expect(to("busybox:1.36")).toBe("kube.registry.local/library/busybox:1.36");
    expect(to("docker.io/calico/node:v3.26.4")).toBe("kube.registry.local/library/calico/node:v3.26.4");
    expect(to("registry.k8s.io/coredns/coredns:v1.10.1")).toBe("kube.registry.local/library/coredns/coredns:v1.10.1");
    expect(to("nginx")).toBe("kube.registry.local/library/nginx");
    expect(to("registry.k8s.io/pause:3.9", true)).toBe("kube.registry.local/library/registry.k8s.io/pause:3.9");
    expect(to(`ghcr.io/a/b@sha256:${"cd".repeat(32)}`)).toBe(
      `kube.registry.local/library/a/b@sha256:${"cd".repeat(32)}`,
    );
    expect(isUnder(parseRef("kube.registry.local/library/x:1"), "kube.registry.local/library")).toBe(true);
    expect(isUnder(parseRef("kube.registry.local/libraryx/x:1"), "kube.registry.local/library")).toBe(false);
  });
});
