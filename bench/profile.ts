// Sums up a V8 .cpuprofile (node --cpu-prof): self time per function and per file, idle and
// GC shown apart, the largest first. Usage: node bench/dist/bench/profile.js FILE.cpuprofile [N]
import { readFileSync } from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const [file, top = "25"] = process.argv.slice(2);
if (!file) {
  console.error("usage: profile FILE.cpuprofile [N]");
  process.exit(2);
}
const p = JSON.parse(readFileSync(file, "utf8")) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
};
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
const byFn = new Map<string, number>();
const byFile = new Map<string, number>();
let total = 0;
for (const [id, us] of self) {
  const n = byId.get(id)!;
  const short = n.callFrame.url.replace(/^.*\/(node_modules\/[^/]+|dist|src)\//, "$1/").replace(/^node:/, "node:");
  const fn = `${n.callFrame.functionName || "(anonymous)"} ${short}${short ? `:${n.callFrame.lineNumber + 1}` : ""}`;
  byFn.set(fn, (byFn.get(fn) ?? 0) + us);
  const f = short || `(${n.callFrame.functionName})`;
  byFile.set(f, (byFile.get(f) ?? 0) + us);
  total += us;
}
const ms = (us: number) => (us / 1000).toFixed(0).padStart(7);
console.log(`profile ${file}: ${ms(p.endTime - p.startTime)} ms wall, ${ms(total)} ms sampled`);
console.log("\nby file (self ms):");
for (const [f, us] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(`${ms(us)}  ${f}`);
console.log("\nby function (self ms):");
for (const [f, us] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(`${ms(us)}  ${f}`);
