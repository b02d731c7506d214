// Owns the flags, help and confirmation of the cluster commands: `kplay deploy-cluster` (the
// shipped step playbooks of cluster/steps.ts, recorded step by step: a re-run skips what is done,
// --restart runs everything again), `kplay remove-cluster` (the workflow is
// cluster/remove-cluster.ts) and `kplay init` (a commented sample config.yaml).
import { checkControllerPki } from "../cluster/pki-check.js";
import { DEPLOY_STEPS, deployPlaybooks } from "../cluster/steps.js";
import { dirname, resolve } from "node:path";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KplayError } from "../errors.js";
import { checkTopology, hostsToReset } from "../cluster/nodes.js";
import { checkBundleCarries } from "../config/cluster-checks.js";
import { removeCluster } from "../cluster/remove-cluster.js";
import { COMMON, confirmReset, loadInv, parse, stateDir, words, type Common } from "./options.js";
import { RUN_OPTIONS, reporterFor, runPlaybooks, type RunValues } from "./run.js";
import { withClusterSession } from "./state.js";

export const DEPLOY_HELP = `\
Usage: kplay deploy-cluster (-c CONFIG | --sandbox | -i INVENTORY) [options]

Install the cluster from the bootstrap node, step by step:
${DEPLOY_STEPS.map((s) => `  ${s}`).join("\n")}
Every finished step is recorded per host in the state directory: running the command again
continues where it stopped and skips finished steps (a step whose playbook, templates or
variables changed runs again). --restart runs every step again (finding nothing to change
on a converged cluster).

Options: as for "kplay run" (-c, --sandbox, -l, -f, -e, -t, --skip-tags, -C, -D, --json, -v,
--state-dir, --accept-new-host-keys, --reconnect-window), and
      --restart            run every step again, ignoring what is recorded
  -h, --help               this help

Certificates (cluster CA, registry certificate) are generated once on the controller in
STATE/pki/ and reused; back that directory up.`;

export async function deployCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, RUN_OPTIONS, "deploy-cluster");
  if (values.help) {
    console.log(DEPLOY_HELP);
    return 0;
  }
  if (positionals.length)
    throw new KplayError("usage", `deploy-cluster takes no arguments (got ${positionals.join(" ")})`, {
      hint: "kplay deploy-cluster -c config.yaml",
    });
  if (values.resume)
    throw new KplayError("usage", "deploy-cluster always continues where it stopped; --resume is not needed", {
      hint: "--restart runs every step again",
    });
  const inv = loadInv(values as Common);
  for (const w of checkTopology(inv)) console.error(`kplay: warning: ${w}`);
  checkControllerPki(join(stateDir(values as Common), "pki"));
  checkBundleCarries(values.config, inv);
  const files = deployPlaybooks();
  return runPlaybooks(values as RunValues, files, {
    label: "kplay deploy-cluster",
    cluster: true,
    resume: !values.restart,
    continueHint: "run kplay deploy-cluster again (without --restart) to continue",
    vars: (sd) => ({ kplay_pki_dir: join(sd, "pki") }),
  });
}

const SAMPLE = `# kplay cluster configuration (kubeplay's config.yaml format; kplay reads it unchanged).
# kplay deploy-cluster -c config.yaml
compose:
  # The bootstrap node's address on the node network (serves files, repos, images, time).
  internal_ip: 192.168.10.5
  # HTTP port of the file server (binaries under /files, OS repositories under /repos).
  nginx_http_port: 8080
  # Domain the nodes pull images from (mapped to registry_ip in every node's /etc/hosts).
  registry_domain: kube.registry.local
  # kplay: where the unpacked bundle is on the bootstrap node (default: bundle/ beside this file).
  # bundle_dir: /opt/kplay/bundle

kubespray:
  kube_version: v1.28.4
  # Address (or VIP) the API server is reached at.
  external_apiserver_access_ip: 192.168.10.11
  kube_network_plugin: calico
  container_manager: containerd
  etcd_deployment_type: host

inventory:
  all:
    vars:
      ansible_port: 22
      ansible_user: root
      # ansible_ssh_pass: ...            (or a key:)
      ansible_ssh_private_key_file: ~/.ssh/id_ed25519
    hosts:
      # Without a "bootstrap" host, the machine running kplay is the bootstrap node.
      # bootstrap: { ansible_host: 192.168.10.5 }
      node1: { ansible_host: 192.168.10.11, ip: 192.168.10.11 }
      node2: { ansible_host: 192.168.10.12, ip: 192.168.10.12 }
      node3: { ansible_host: 192.168.10.13, ip: 192.168.10.13 }
    children:
      kube_control_plane:
        hosts: { node1: }
      kube_node:
        hosts: { node1:, node2:, node3: }
      etcd:
        hosts: { node1:, node2:, node3: }
      k8s_cluster:
        children: { kube_control_plane:, kube_node: }
      calico_rr:
        hosts: {}

default:
  # Values naming a compose field (internal_ip, internal_ip:nginx_http_port) refer to it.
  ntp_server:
    - internal_ip
  registry_ip: internal_ip
  # With a scheme when written out: http://192.168.10.5:8080
  offline_resources_url: internal_ip:nginx_http_port
  offline_resources_enabled: true
  # Project in the registry that images are renamed into.
  image_repository: library
  # Generate a CA (10 years) and the registry certificate in STATE/pki (kept and reused).
  generate_domain_crt: true
  registry_https_port: 443
  registry_push_port: 5000
  download_container: false
  # kplay: registries pulled through the internal registry by their upstream names.
  # registry_mirrors: [docker.io, registry.k8s.io, k8s.gcr.io, quay.io, ghcr.io]
`;

export const INIT_HELP = `\
Usage: kplay init [FILE]

Write a commented sample config.yaml (default ./config.yaml); refuses to overwrite.`;

export async function initCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { help: { type: "boolean", short: "h" } }, "init");
  if (values.help) {
    console.log(INIT_HELP);
    return 0;
  }
  const file = words("init", positionals, 1)[0] ?? "config.yaml";
  if (existsSync(file)) throw new KplayError("usage", `${file} exists; not overwriting it`);
  if (!existsSync(dirname(resolve(file))))
    throw new KplayError("input", `the directory ${dirname(resolve(file))} does not exist`, { where: { file } });
  writeFileSync(file, SAMPLE);
  console.log(`wrote ${file}: edit compose, inventory and default, then: kplay deploy-cluster -c ${file}`);
  return 0;
}

export const SAMPLE_CONFIG = SAMPLE;

export const REMOVE_CLUSTER_HELP = `\
Usage: kplay remove-cluster (-c CONFIG | --sandbox | -i INVENTORY) [--yes] [--keep-bootstrap] [options]

Return every cluster node to its state before kplay: each node's undo log is replayed newest
first — files kplay wrote are restored to what was there before (or removed), packages kplay
installed are purged, the original package sources come back, the CA and hosts block go.
The bootstrap node is reset too (its services purged) unless --keep-bootstrap. When every
host is reset, the recorded progress is cleared (the journal is kept as journal-<time>.jsonl);
the certificates in STATE/pki/ are kept. Interrupted, run it again: it continues.

Options:
  -y, --yes              do not ask for confirmation
      --keep-bootstrap   leave the bootstrap node and its services as they are
  -f, --forks N          hosts worked on at once (default 10)
  --json, -v, --state-dir DIR, --accept-new-host-keys as for "kplay run"`;

export async function removeClusterCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { ...COMMON, yes: { type: "boolean", short: "y" }, "keep-bootstrap": { type: "boolean" } },
    "remove-cluster",
  );
  if (values.help) {
    console.log(REMOVE_CLUSTER_HELP);
    return 0;
  }
  if (positionals.length)
    throw new KplayError("usage", `remove-cluster takes no arguments (got ${positionals.join(" ")})`);
  const o = values as Common;
  const inv = loadInv(o);
  const hosts = hostsToReset(inv, { keepBootstrap: !!values["keep-bootstrap"] });
  const what = `remove-cluster resets ${hosts.length} host(s) (${hosts.join(", ")})`;
  const question = `This resets ${hosts.length} host(s) to their state before kplay: ${hosts.join(", ")}.`;
  if (!values.yes && !(await confirmReset(what, question))) return 1;
  const { reporter, sd } = reporterFor(o, inv, {}, { kind: "steps" });
  return withClusterSession({ o, inv, sd, reporter }, "kplay remove-cluster", async (session) =>
    (await removeCluster(session, hosts)) ? 0 : 1,
  );
}
