// Owns the kplay command line: dispatch to commands, --help/--version, and turning errors into
// one clear line on stderr with the right exit code (2 bad input/usage, 1 failure), no stack trace.
// The sandbox command (and its container client, slow to load) is imported only when used.
import { secrets } from "../report/redact.js";
import { kplayVersion } from "../version.js";
import { closest, fileSystemError, KplayError } from "../errors.js";
import { flushOutput } from "../report/sink.js";
import { deployCommand, initCommand, removeClusterCommand } from "./cluster.js";
import { inventoryCommand } from "./inventory.js";
import { addNodeCommand, removeNodeCommand } from "./nodes.js";
import { runCommand } from "./run.js";
import { stateCommand, statusCommand } from "./state.js";

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; summary: string }> = {
  "deploy-cluster": {
    run: deployCommand,
    summary: "install the cluster from the bootstrap node, step by step (resumes where it stopped)",
  },
  "remove-cluster": {
    run: removeClusterCommand,
    summary: "reset every node (and the bootstrap node) to its state before kplay",
  },
  "add-node": { run: addNodeCommand, summary: "bring new nodes (already in the inventory) into the cluster" },
  "remove-node": {
    run: removeNodeCommand,
    summary: "take nodes out of the cluster (etcd member removal, quorum-checked) and reset them",
  },
  "upgrade-cluster": {
    run: async (argv) => (await import("./upgrade.js")).upgradeCommand(argv),
    summary: "upgrade Kubernetes to kube_version: control planes first, then workers one at a time (resumes)",
  },
  init: { run: initCommand, summary: "write a commented sample config.yaml" },
  run: { run: runCommand, summary: "run playbooks against an inventory" },
  inventory: {
    run: inventoryCommand,
    summary: "show the inventory (--list, --host, --graph) as ansible-inventory does",
  },
  status: {
    run: statusCommand,
    summary: "show per host the steps done, where a run stopped and why, pending handlers",
  },
  state: { run: stateCommand, summary: "state reset: forget recorded progress" },
  etcd: {
    run: async (argv) => (await import("./etcd.js")).etcdCommand(argv),
    summary: "etcd backup: a checked snapshot on the controller (0600); etcd restore SNAPSHOT: every member back to it",
  },
  certs: {
    run: async (argv) => (await import("./certs.js")).certsCommand(argv),
    summary: "certs check: every certificate kplay or kubeadm made, per host, with its expiry",
  },
  backup: {
    run: async (argv) => (await import("./backup.js")).backupCommand(argv),
    summary: "the controller's irreplaceable state (pki, credentials, journals, facts, config) to one 0600 file",
  },
  "restore-state": {
    run: async (argv) => (await import("./backup.js")).restoreStateCommand(argv),
    summary: "put a kplay backup back on a (new) controller, every file checked by sha256",
  },
  report: {
    run: async (argv) => (await import("./report.js")).reportCommand(argv),
    summary: "a run's report from the run log: per host tasks and times, failures; --html for a page",
  },
  bundle: {
    run: async (argv) => (await import("./bundle.js")).bundleCommand(argv),
    summary: "the offline bundle: list its files and images, build it, publish its files",
  },
  images: {
    run: async (argv) => (await import("./images.js")).imagesCommand(argv),
    summary: "list images of manifests; mirror and push images between registries and directories",
  },
  manifests: {
    run: async (argv) => (await import("./manifests.js")).manifestsCommand(argv),
    summary: "manifests rewrite: point manifests' images at the internal registry",
  },
  sandbox: {
    run: async (argv) => {
      // a release (one bundled file, set at build time) carries no sandbox: it needs a checkout
      if (process.env.KPLAY_RELEASE && argv[0] !== "--help" && argv[0] !== "-h")
        throw new KplayError("usage", "the sandbox is not part of kplay's release (it needs Docker and debootstrap)", {
          hint: "run kplay sandbox from a checkout of kplay",
        });
      return (await import("./sandbox.js")).sandboxCommand(argv);
    },
    summary: "start, inspect or remove the local sandbox cluster (real Debian nodes in containers)",
  },
};

const HELP = `kplay — agentless, resumable orchestration for air-gapped Kubernetes installs

Usage: kplay <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([n, c]) => `  ${n.padEnd(15)} ${c.summary}`)
  .join("\n")}

Common options: -i INVENTORY | -c CONFIG | --sandbox, --limit PATTERN, --forks N,
-e KEY=VALUE|@FILE, --state-dir DIR, --json, -v. "kplay help <command>" (or
"kplay <command> --help") for details.
Exit status: 0 success, 1 a host failed or was unreachable, 2 bad input or usage.`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    // kplay help CMD [SUB] is kplay CMD [SUB] --help
    if (cmd === "help" && rest.length > 0) return await main([...rest, "--help"]);
    if (!cmd || cmd === "--help" || cmd === "-h" || cmd === "help") {
      console.log(HELP);
      return cmd ? 0 : 2;
    }
    if (cmd === "--version" || cmd === "-V") {
      console.log(kplayVersion());
      return 0;
    }
    const c = COMMANDS[cmd];
    if (!c) {
      const hint = closest(cmd, Object.keys(COMMANDS));
      throw new KplayError("usage", `unknown command "${cmd}"`, {
        hint: hint ? `did you mean "${hint}"?` : "see kplay --help",
      });
    }
    return await c.run(rest);
  } catch (caught) {
    const e = fileSystemError(caught) ?? caught;
    if (e instanceof KplayError) {
      process.stderr.write(`kplay: error: ${secrets.text(e.describe())}\n`);
      return e.exitCode;
    }
    const err = e as Error;
    process.stderr.write(`kplay: internal error: ${secrets.text(err?.message ?? String(e))}\n`);
    if (process.env.KPLAY_DEBUG) process.stderr.write(`${secrets.text(err?.stack ?? "")}\n`);
    return 1;
  } finally {
    flushOutput(); // batched event lines (--json, run log) are out before the command returns
  }
}
