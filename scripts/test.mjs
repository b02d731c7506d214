// `npm test`: compile and bundle once (the local and integration layers run dist/), then run the
// static checks (eslint with typed rules, prettier, the type check of tests and bench) beside vitest
// instead of before it: they take about 35 s of CPU that the first layers, waiting on processes,
// leave free. Each check's output is printed whole when all is done, after vitest's own table,
// with a line per check (status, wall time). Arguments go to vitest. The exit status is non-zero
// when the build, a check or vitest failed.
import { spawn, spawnSync } from "node:child_process";

const bin = (name) => `node_modules/.bin/${name}`;

const build = spawnSync(bin("tsc"), ["-p", "tsconfig.json"], { stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);
// the CLI as bin/kplay.js runs it: bundled (scripts/bundle.mjs)
const bundle = spawnSync(process.execPath, ["scripts/bundle.mjs"], { stdio: "inherit" });
if (bundle.status !== 0) process.exit(bundle.status ?? 1);

const CHECKS = [
  ["eslint", ["src", "test", "bench"]],
  ["prettier", ["--check", "src/**/*.ts", "test/**/*.ts", "bench/**/*.ts", "eslint.config.js"]],
  ["tsc", ["-p", "tsconfig.test.json"]],
];

/** Run one program; resolves with its exit status, wall time and (when captured) its output. */
function run(name, args, capture) {
  const started = Date.now();
  const child = spawn(bin(name), args, { stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit" });
  const chunks = [];
  if (capture) {
    child.stdout.on("data", (c) => chunks.push(c));
    child.stderr.on("data", (c) => chunks.push(c));
  }
  return new Promise((resolve) => {
    child.on("error", (e) => resolve({ name, status: 1, ms: Date.now() - started, output: String(e) }));
    child.on("close", (code, signal) =>
      resolve({
        name,
        status: code ?? (signal ? 1 : 0),
        ms: Date.now() - started,
        output: Buffer.concat(chunks).toString(),
      }),
    );
  });
}

const checks = CHECKS.map(([name, args]) => run(name, args, true));
const tests = await run("vitest", ["run", ...process.argv.slice(2)], false);
const done = await Promise.all(checks);

console.log("\ncheck          status       wall");
for (const c of done) {
  if (c.status !== 0) console.log(`\n---- ${c.name} failed:\n${c.output.trimEnd()}\n`);
  console.log(
    `${c.name.padEnd(14)} ${(c.status === 0 ? "ok" : `exit ${c.status}`).padEnd(8)} ${(c.ms / 1000).toFixed(1).padStart(7)} s`,
  );
}
const failed = [...done, tests].filter((r) => r.status !== 0);
process.exit(failed.length ? (failed[0].status ?? 1) : 0);
