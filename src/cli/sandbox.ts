// Owns `kplay sandbox up|status|down`: the local sandbox cluster as a user command.
import { relative } from "node:path";
import { KplayError } from "../errors.js";
import { ensureNodeImage } from "../sandbox/image.js";
import {
  addToCluster,
  sandboxDown,
  sandboxStatus,
  sandboxUp,
  type ClusterGroup,
  type SandboxInfo,
} from "../sandbox/sandbox.js";
import { baseStateDir, parse } from "./options.js";

export const SANDBOX_HELP = `\
Usage: kplay sandbox up [--nodes N] [--name NAME]
       kplay sandbox add-to-cluster NODE [--etcd] [--control-plane] [--name NAME]
       kplay sandbox status [--name NAME] [--json]
       kplay sandbox container NODE [--name NAME]   (the node's container, for docker exec)
       kplay sandbox down [--name NAME]
       kplay sandbox image      (build the node image if it is missing, print its tag)

A local sandbox cluster: a bootstrap node and N real Debian 12 nodes (systemd, sshd) as
containers on this machine's Docker engine, reachable over SSH on 127.0.0.1 only and with no
route out. "up" builds the node image when needed (debootstrap; needs root), starts the nodes
and writes an inventory, a config.yaml, an SSH key and a known_hosts under .kplay/sandbox/NAME/
(KPLAY_HOME overrides .kplay). Then: kplay deploy-cluster --sandbox, or kplay run PLAYBOOK --sandbox

"up" on a running sandbox with a larger --nodes adds the missing nodes and keeps the others;
the new nodes are in the inventory but in no cluster group until "add-to-cluster NODE" puts
them in kube_node (and etcd / kube_control_plane when asked); then kplay add-node NODE --sandbox.
Sandboxes belong to their state directory: another checkout's sandboxes are never seen or removed.

Options:
  --nodes N          how many nodes besides the bootstrap node (default 3)
  --name NAME        sandbox name (default "default")
  --etcd             add-to-cluster: the node also runs an etcd member
  --control-plane    add-to-cluster: the node is also a control plane
  --json             status as JSON (nodes, roles, SSH endpoints, file paths)`;

const rel = (p: string) => relative(process.cwd(), p) || p;

function printUp(info: SandboxInfo): void {
  for (const node of info.nodes)
    console.log(`${node.name.padEnd(8)} ssh root@${node.ssh.host} -p ${node.ssh.port}   (node network ${node.ip})`);
  console.log(
    `\nInventory:  ${rel(info.inventory)}\nknown_hosts: ${rel(info.knownHosts)}\nSSH key:    ${rel(info.privateKey)}`,
  );
  const which = info.name !== "default" ? ` --sandbox-name ${info.name}` : "";
  console.log(`\nRun a playbook on it:\n  kplay run playbooks/examples/hello.yml --sandbox${which}`);
}

function printStatus(info: SandboxInfo): void {
  for (const node of info.nodes)
    console.log(
      `${node.name.padEnd(10)} ${String(node.state).padEnd(8)} ${node.ssh.host}:${node.ssh.port}  ` +
        `${node.ip.padEnd(15)} ${node.container}`,
    );
  console.log(`inventory: ${rel(info.inventory)}`);
}

export async function sandboxCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      nodes: { type: "string" },
      name: { type: "string" },
      etcd: { type: "boolean" },
      "control-plane": { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    "sandbox",
  );
  const sub = positionals[0];
  if (values.help || !sub) {
    console.log(SANDBOX_HELP);
    return values.help ? 0 : 2;
  }
  const name = values.name ?? "default";
  const base = baseStateDir();
  switch (sub) {
    case "up": {
      const n = values.nodes === undefined ? 3 : Number(values.nodes);
      printUp(await sandboxUp(base, name, n, (m) => console.error(`kplay: ${m}`)));
      return 0;
    }
    case "status": {
      const info = await sandboxStatus(base, name);
      if (values.json) console.log(JSON.stringify(info ?? { name, nodes: [] }, null, 2));
      else if (!info) console.log(`sandbox "${name}" is not up`);
      else printStatus(info);
      return 0;
    }
    case "image": {
      console.log(await ensureNodeImage((m) => console.error(`kplay: ${m}`)));
      return 0;
    }
    case "container": {
      if (positionals.length !== 2)
        throw new KplayError("usage", "sandbox container takes one node name", {
          hint: "kplay sandbox container node1",
        });
      const node = (await sandboxStatus(base, name))?.nodes.find((n) => n.name === positionals[1]);
      if (!node) throw new KplayError("usage", `sandbox "${name}" has no node "${positionals[1] ?? ""}"`);
      console.log(node.container);
      return 0;
    }
    case "add-to-cluster":
      return addToClusterCommand(base, name, { positionals, values });
    case "down": {
      const r = await sandboxDown(base, name);
      console.log(`removed ${r.containers} container(s) and ${r.networks} network(s) of sandbox "${name}"`);
      return 0;
    }
    default:
      throw new KplayError("usage", `unknown sandbox command "${sub}"`, {
        hint: "up, add-to-cluster, status, container, down or image",
      });
  }
}

function addToClusterCommand(
  base: string,
  name: string,
  args: { positionals: string[]; values: { etcd?: boolean; "control-plane"?: boolean } },
): number {
  const { positionals, values } = args;
  const node = positionals[1];
  if (!node || positionals.length > 2)
    throw new KplayError("usage", "sandbox add-to-cluster takes one node name", { hint: "e.g. node4" });
  const groups: ClusterGroup[] = [
    ...(values.etcd ? (["etcd"] as const) : []),
    ...(values["control-plane"] ? (["kube_control_plane"] as const) : []),
  ];
  const put = addToCluster(base, name, node, groups);
  const which = name !== "default" ? ` --sandbox-name ${name}` : "";
  console.log(`${node} is in ${put.join(", ")}; bring it into the cluster: kplay add-node ${node} --sandbox${which}`);
  return 0;
}
