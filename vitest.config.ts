// Test layers, each named for what it runs (README "Tests" says what each proves and how long):
//   unit          in-process: engine against the scripted fake node, golden scripts, parsers, Jinja
//   local         kplay and its scripts as processes on this machine (the CLI, the local connection)
//   differential  kplay against ansible-playbook 2.14 on the same input (test/harness/differential.ts)
//   integration   kplay against real sshd on real Debian nodes in containers
// Two workers: the machine has two cores and most files wait on processes. The first three layers
// run together; integration runs after them, one file at a time: its files keep both cores busy
// on their own (a deploy-cluster does), and two at once measured slower per file than the time
// saved (20.9 min wall with 11 tests past their timeouts, against 24.8 min one at a time).
import { defineConfig } from "vitest/config";

/** Files that run kplay, sh or node as processes on this machine (no containers, no Ansible). */
const LOCAL = [
  "test/cli/**/*.test.ts",
  "test/state/lock.test.ts",
  "test/state/backup.test.ts",
  "test/state/journal.test.ts",
  "test/engine/private-writes.test.ts",
  "test/engine/facts-script.test.ts",
  "test/modules/modules.test.ts",
  "test/modules/path-args.test.ts",
  "test/transport/detach.test.ts",
  "test/transport/become.test.ts",
  "test/transport/stdin.test.ts",
  "test/report/sink.test.ts",
  "test/bundle/redirect.test.ts",
  "test/playbooks/rewrite-images.test.ts",
];

export default defineConfig({
  test: {
    maxWorkers: 2,
    reporters: ["default", "./test/harness/layer-timing.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/integration/**", "test/differential/**", ...LOCAL],
          testTimeout: 20_000,
        },
      },
      {
        test: { name: "local", include: LOCAL, testTimeout: 60_000 },
      },
      {
        test: { name: "differential", include: ["test/differential/**/*.test.ts"], testTimeout: 240_000 },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/harness/global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          maxWorkers: 1,
          // within a file, tests marked concurrent (roles.test.ts's fresh-node pairs) run two at a time
          maxConcurrency: 2,
          sequence: { groupOrder: 1 },
          env: { TESTCONTAINERS_RYUK_DISABLED: "true" },
        },
      },
    ],
  },
});
