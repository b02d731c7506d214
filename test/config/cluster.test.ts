// The cluster config: a kubeplay config.yaml works unchanged (references resolved), derived
// variables are right, and every bad value is an input error naming file, line and field.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KplayError } from "../../src/errors.js";
import { loadConfigInventory } from "../../src/inventory/index.js";

const FIX = join(import.meta.dirname, "../fixtures/config/kubeplay.yaml");

function withChange(from: string, to: string): string {
  const text = readFileSync(FIX, "utf8");
  if (!text.includes(from)) throw new Error(`fixture lacks ${from}`);
  const f = join(mkdtempSync(join(tmpdir(), "kplay-cfg-")), "config.yaml");
  writeFileSync(f, text.replace(from, to));
  return f;
}

function fails(file: string): KplayError {
  try {
    loadConfigInventory(file);
  } catch (e) {
    if (e instanceof KplayError) return e;
    throw e;
  }
  throw new Error("loaded without error");
}

describe("cluster config", () => {
  it("accepts kubeplay's config.yaml unchanged and resolves its references", () => {
    const v = loadConfigInventory(FIX).hostVars("node2");
    expect(v).toMatchObject({
      internal_ip: "172.20.0.25",
      registry_ip: "172.20.0.25",
      ntp_server: ["172.20.0.25"],
      offline_resources_url: "http://172.20.0.25:8080",
      download_url: "http://172.20.0.25:8080/files",
      kplay_repo_url: "http://172.20.0.25:8080/repos",
      registry_host: "kube.registry.local",
      registry_url: "https://kube.registry.local",
      kube_image_repo: "kube.registry.local/library",
      kube_version: "v1.21.3",
      etcd_events_cluster_setup: true,
      kubespray_image: "kubespray",
      ansible_ssh_pass: "Password",
    });
    expect(v.registry_mirrors).toEqual([
      "docker.io",
      "registry.k8s.io",
      "k8s.gcr.io",
      "quay.io",
      "ghcr.io",
      "kube.registry.local",
    ]);
  });

  it("a registry on another port is keyed host:port, as containerd's certs.d expects", () => {
    const v = loadConfigInventory(withChange("registry_https_port: 443", "registry_https_port: 8443")).hostVars(
      "node1",
    );
    expect(v).toMatchObject({
      registry_host: "kube.registry.local:8443",
      registry_url: "https://kube.registry.local:8443",
    });
  });

  it.each([
    [
      "a URL without scheme",
      "offline_resources_url: internal_ip:nginx_http_port",
      "offline_resources_url: 192.168.1.5:8080",
      /default\.offline_resources_url: "192\.168\.1\.5:8080" is not a URL: it needs a scheme/,
      52,
    ],
    ["a port out of range", "nginx_http_port: 8080", "nginx_http_port: 80800", /compose\.nginx_http_port: /, 5],
    [
      "docker as runtime",
      "container_manager: containerd",
      "container_manager: docker",
      /kubespray\.container_manager: only containerd is supported/,
      12,
    ],
    [
      "a registry IP that is neither IP nor reference",
      "registry_ip: internal_ip",
      "registry_ip: registry-host",
      /default\.registry_ip: must be an IP address or a compose field/,
      51,
    ],
    ["an unknown section", "default:\n", "defaults:\n", /defaults: unknown section/, 48],
    [
      "a bad registry domain",
      "registry_domain: kube.registry.local",
      "registry_domain: https://kube.registry.local",
      /compose\.registry_domain: must be a DNS name/,
      6,
    ],
    [
      "an app without a name",
      "  etcd_deployment_type: host\n",
      "  etcd_deployment_type: host\n  cluster_apps:\n    - url: a/b.yaml\n",
      /kubespray\.cluster_apps\.0\.name: /,
      15,
    ],
    [
      "an app named twice",
      "  etcd_deployment_type: host\n",
      "  etcd_deployment_type: host\n  cluster_apps:\n    - { name: ms, url: a.yaml }\n    - { name: ms, url: b.yaml }\n",
      /kubespray\.cluster_apps\.1\.name: "ms" is listed twice/,
      16,
    ],
    [
      "an app checksum that is not sha256",
      "  etcd_deployment_type: host\n",
      "  etcd_deployment_type: host\n  cluster_apps:\n    - { name: ms, url: a.yaml, checksum: md5:abc }\n",
      /kubespray\.cluster_apps\.0\.checksum: must be sha256:<64 hex digits>/,
      15,
    ],
    [
      "a misspelt key (registery_ip)",
      "registry_ip: internal_ip",
      "registery_ip: internal_ip",
      /default\.registery_ip: unknown key/,
      51,
    ],
    [
      "a misspelt compose key (nginx_http_prot)",
      "nginx_http_port: 8080",
      "nginx_http_prot: 8080",
      /compose\.nginx_http_prot: unknown key/,
      5,
    ],
    [
      "an API server address that is not an IP",
      "external_apiserver_access_ip: 127.0.0.1",
      "external_apiserver_access_ip: 999.1.1.1",
      /kubespray\.external_apiserver_access_ip: "999\.1\.1\.1" is not a valid IPv4 address/,
      10,
    ],
    [
      "an NTP server that is not a host",
      "ntp_server:\n    - internal_ip\n",
      "ntp_server:\n    - internal_ip\n    - not a host!!\n",
      /default\.ntp_server\.1: "not a host!!" is not an IP address or a host name/,
      51,
    ],
    [
      "an ftp:// resources URL",
      "offline_resources_url: internal_ip:nginx_http_port",
      "offline_resources_url: ftp://10.0.0.5/files",
      /default\.offline_resources_url: "ftp:\/\/10\.0\.0\.5\/files" must be an http:\/\/ or https:\/\/ URL \(not ftp:\/\/\)/,
      52,
    ],
  ])("%s is an input error naming the field and line", (_n, from, to, msg, line) => {
    const e = fails(withChange(from, to));
    expect(e.exitCode).toBe(2);
    expect(e.describe()).toMatch(msg);
    expect(e.where?.line).toBe(line);
    expect(e.describe()).toContain("config.yaml");
    // the field is named once, in plain words
    expect(e.describe().split(e.where!.field!).length).toBe(2);
    expect(e.describe()).not.toMatch(/received|nonoptional|Invalid input|NaN/);
  });

  it("without internal_ip, the bootstrap host's address is used; with neither it is an error", () => {
    const f = withChange("  internal_ip: 172.20.0.25\n", "");
    expect(fails(f).describe()).toMatch(/compose\.internal_ip: is required/);
    const g = withChange("  internal_ip: 172.20.0.25\n", "").replace(/$/, "");
    const text = readFileSync(g, "utf8").replace(
      "    hosts:\n      node1:\n        ansible_host: 172.20.0.21\n",
      "    hosts:\n      bootstrap:\n        ansible_host: 172.20.0.9\n      node1:\n        ansible_host: 172.20.0.21\n",
    );
    writeFileSync(g, text);
    const inv = loadConfigInventory(g);
    expect(inv.hostVars("node1").internal_ip).toBe("172.20.0.9");
    expect(inv.hostVars("bootstrap").ansible_connection).toBeUndefined();
  });
});

describe("kplay init", () => {
  it("writes a sample that loads as a cluster config, and refuses to overwrite", async () => {
    const { initCommand } = await import("../../src/cli/cluster.js");
    const f = join(mkdtempSync(join(tmpdir(), "kplay-init-")), "config.yaml");
    const log = console.log;
    console.log = () => undefined;
    try {
      expect(await initCommand([f])).toBe(0);
      await expect(initCommand([f])).rejects.toThrow(/exists; not overwriting/);
    } finally {
      console.log = log;
    }
    const inv = loadConfigInventory(f);
    expect(inv.hostNames).toEqual(["node1", "node2", "node3", "bootstrap"]);
    expect(inv.hostVars("node2")).toMatchObject({
      offline_resources_url: "http://192.168.10.5:8080",
      registry_host: "kube.registry.local",
      kube_version: "v1.28.4",
    });
  });
});
