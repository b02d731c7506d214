// Ansible's own integration targets on fresh nodes, as an outside check runs them: each target
// from a checkout of ansible/ansible (`test/integration/targets`, never committed here) run by
// ansible-playbook 2.14 and by kplay once, each on its own fresh Debian 12 node
// (test/harness/fresh-nodes.ts), through the play ansible-test writes for a target: `hosts:
// testhost`, facts gathered unless the target's aliases say `gather_facts/no`, `output_dir` set,
// `roles: [TARGET]`. Both nodes get what ansible-test's test hosts carry beyond the node image
// (acl, file, unzip, zip, xz and zstd), from the same local repository, before either engine runs.
// A target passes for an engine when its run exits 0; kplay is held to ansible-playbook's outcome
// and recap.
//
// KPLAY_ANSIBLE_TARGETS=DIR (DIR holds the targets) runs it; KPLAY_TARGET_NAMES=a,b narrows the
// set (default: the role targets below). KPLAY_ROLES_LOGS=DIR keeps both engines' outputs.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runOn, startFreshPair, type FreshPair } from "../harness/fresh-nodes.js";
import { TARGET_HOST_PACKAGES } from "../harness/role-repo.js";

/** The targets whose tasks are a role (the runme.sh-only targets are driven by their scripts instead). */
const ROLE_TARGETS = [
  "file",
  "service",
  "systemd",
  "hostname",
  "lineinfile",
  "blockinfile",
  "replace",
  "stat",
  "command_shell",
  "slurp",
  "raw",
  "script",
  "copy",
  "wait_for",
  "loops",
  "user",
  "template",
  "unarchive",
  "until",
];

const OUTPUT_DIR = "/tmp/output_dir";
const TARGETS_DIR = process.env.KPLAY_ANSIBLE_TARGETS;
const NAMES = process.env.KPLAY_TARGET_NAMES?.split(",").filter(Boolean) ?? ROLE_TARGETS;

/** The play ansible-test writes for a posix target (its integration command's run_setup_targets/role). */
function wrapperPlay(targets: string, name: string, outputDir: string): string {
  const aliases = existsSync(join(targets, name, "aliases"))
    ? readFileSync(join(targets, name, "aliases"), "utf8")
    : "";
  const play = {
    hosts: "testhost",
    gather_facts: !/^gather_facts\/no\b/m.test(aliases),
    vars: { output_dir: outputDir },
    roles: [name],
  };
  return JSON.stringify([play], null, 2);
}

describe.runIf(TARGETS_DIR).concurrent("Ansible's integration targets on fresh nodes", () => {
  for (const name of NAMES) {
    it(name, { timeout: 1_800_000 }, async () => {
      const targets = TARGETS_DIR as string;
      const dir = mkdtempSync(join(tmpdir(), `kplay-target-${name}-`));
      symlinkSync(targets, join(dir, "roles"));
      writeFileSync(join(dir, `${name}.yml`), wrapperPlay(targets, name, OUTPUT_DIR));
      const p = await startFreshPair("testhost");
      try {
        await Promise.all((["ansible", "kplay"] as const).map((e) => hostPackages(p, e)));
        const opts = { dir, playbook: `${name}.yml` };
        const [ansible, kplay] = await Promise.all([runOn(p, "ansible", opts), runOn(p, "kplay", opts)]);
        keepLogs(name, ansible.output, kplay.output);
        const says = `ansible:\n${ansible.output.slice(-6000)}\nkplay:\n${kplay.output.slice(-6000)}`;
        expect(ansible.outcome, says).toBe("ok");
        expect(kplay.outcome, says).toBe(ansible.outcome);
        expect(kplay.recap, says).toEqual(ansible.recap);
      } finally {
        await p.destroy();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

/** What ansible-test's test hosts carry beyond the node image, and its output_dir: alike on both nodes. */
async function hostPackages(p: FreshPair, engine: "ansible" | "kplay"): Promise<void> {
  const install = `apt-get -q update && apt-get -qy install ${TARGET_HOST_PACKAGES.join(" ")} >/dev/null`;
  // ansible-test makes output_dir before the play; a context/controller target runs where it is
  await p.sh(engine, `${install} && mkdir -p ${OUTPUT_DIR}`);
}

function keepLogs(name: string, ansible: string, kplay: string): void {
  const dir = process.env.KPLAY_ROLES_LOGS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `target-${name}-ansible.log`), ansible);
  writeFileSync(join(dir, `target-${name}-kplay.log`), kplay);
}
