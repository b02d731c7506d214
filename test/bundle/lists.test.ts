// Bundle lists generated from the download variables: every architecture naming style, the
// shipped file's lists, and the sandbox bundle serving exactly the shipped file list.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bundleLists, distinct, readDownloadVars } from "../../src/bundle/lists.js";

const SHIPPED = join(import.meta.dirname, "../../playbooks/vars/download.yml");

describe("bundle lists", () => {
  it("renders the four architecture naming styles for amd64 and arm64", () => {
    const vars = {
      ...readDownloadVars(SHIPPED),
      kube_version: "v1.28.4",
      none_download_url: "{{ download_url }}/example.com/one-file-for-all.yaml",
      suffix_download_url: "{{ download_url }}/example.com/tool-linux-{{ image_arch }}.tar.gz",
      none_image_repo: "quay.io/org/multi",
      none_image_tag: "v1",
      named_image_repo: "quay.io/org/thing-{{ image_arch }}",
      named_image_tag: "v2",
      tagged_image_repo: "quay.io/org/tagged",
      tagged_image_tag: "v3-{{ image_arch }}",
      armonly_image_repo: "quay.io/org/armonly",
      armonly_image_tag: "v4{{ non_amd64_arch_suffix }}",
    };
    const l = bundleLists(vars, ["amd64", "arm64"]);
    const of = (name: string, list: typeof l.files) =>
      list.filter((e) => e.name === name).map((e) => `${e.arch} ${e.value}`);
    expect(of("none", l.files)).toEqual([
      "amd64 https://example.com/one-file-for-all.yaml",
      "arm64 https://example.com/one-file-for-all.yaml",
    ]);
    expect(of("suffix", l.files)).toEqual([
      "amd64 https://example.com/tool-linux-amd64.tar.gz",
      "arm64 https://example.com/tool-linux-arm64.tar.gz",
    ]);
    expect(of("none", l.images)).toEqual(["amd64 quay.io/org/multi:v1", "arm64 quay.io/org/multi:v1"]);
    expect(of("named", l.images)).toEqual(["amd64 quay.io/org/thing-amd64:v2", "arm64 quay.io/org/thing-arm64:v2"]);
    expect(of("tagged", l.images)).toEqual(["amd64 quay.io/org/tagged:v3-amd64", "arm64 quay.io/org/tagged:v3-arm64"]);
    expect(of("armonly", l.images)).toEqual(["amd64 quay.io/org/armonly:v4", "arm64 quay.io/org/armonly:v4-arm64"]);
    expect(distinct(l.files).filter((u) => u.includes("one-file"))).toHaveLength(1);
  });

  it("the shipped variables give the files and images the steps use", () => {
    const l = bundleLists({ ...readDownloadVars(SHIPPED), kube_version: "v1.28.4" }, ["arm64"]);
    expect(distinct(l.files)).toEqual([
      "https://dl.k8s.io/release/v1.28.4/bin/linux/arm64/kubeadm",
      "https://dl.k8s.io/release/v1.28.4/bin/linux/arm64/kubectl",
      "https://dl.k8s.io/release/v1.28.4/bin/linux/arm64/kubelet",
      "https://github.com/containernetworking/plugins/releases/download/v1.3.0/cni-plugins-linux-arm64-v1.3.0.tgz",
      "https://github.com/flannel-io/flannel/releases/download/v0.22.3/kube-flannel.yml",
      "https://github.com/kubernetes-sigs/cri-tools/releases/download/v1.28.0/crictl-v1.28.0-linux-arm64.tar.gz",
      "https://raw.githubusercontent.com/projectcalico/calico/v3.26.4/manifests/calico.yaml",
    ]);
    expect(distinct(l.images)).toContain("registry.k8s.io/coredns/coredns:v1.10.1");
    expect(distinct(l.images)).toContain("registry.k8s.io/pause:3.9");
    expect(distinct(l.images)).toHaveLength(11);
  });

  it("a missing version is an input error naming the variable", () => {
    expect(() => bundleLists(readDownloadVars(SHIPPED), ["amd64"])).toThrow(/kube_version/);
  });
});

describe("pinned upstream checksums", () => {
  it("the shipped variables pin what upstream publishes for the default versions, per architecture", () => {
    const l = bundleLists({ ...readDownloadVars(SHIPPED), kube_version: "v1.28.4" }, ["amd64", "arm64"]);
    const pin = (name: string, arch: string) => l.files.find((f) => f.name === name && f.arch === arch)?.sha256;
    expect(pin("kubeadm", "amd64")).toBe("b4d2531b7cddf782f59555436bc098485b5fa6c05afccdeecf0d62d21d84f5bd");
    expect(pin("kubelet", "arm64")).toBe("bf203989dd9b3987b8a0d2331dcce6319f834b57df810fafba5a4805d54823ac");
    for (const arch of ["amd64", "arm64"])
      for (const n of ["kubeadm", "kubelet", "kubectl", "crictl", "cni"])
        expect(pin(n, arch)).toMatch(/^[0-9a-f]{64}$/);
    // manifests have no published checksum: not pinned
    expect(pin("calico_manifest", "amd64")).toBeUndefined();
  });

  it("a version with no pin is built unpinned; a malformed pin is an input error naming the field", () => {
    const vars = readDownloadVars(SHIPPED);
    const l = bundleLists({ ...vars, kube_version: "v1.99.0" }, ["amd64"]);
    expect(l.files.find((f) => f.name === "kubeadm")?.sha256).toBeUndefined();
    let err: unknown;
    try {
      bundleLists({ ...vars, kube_version: "v1.28.4", kubeadm_checksum: "abc" }, ["amd64"]);
    } catch (e) {
      err = e;
    }
    expect((err as { describe(): string }).describe()).toMatch(/kubeadm_checksum.*not a sha256/);
  });
});
