// Test projects: "unit" (pure logic, plus modules run on the controller through the local
// connection) and "integration" (kplay against real sshd on real Debian nodes in containers).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/integration/**"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/harness/global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          env: { TESTCONTAINERS_RYUK_DISABLED: "true" },
        },
      },
    ],
  },
});
