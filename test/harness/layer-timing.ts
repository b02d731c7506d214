// A reporter that ends the run with one line per test layer (vitest project): its files and
// tests, how long it took from its first file's start to its last file's end, and the time its
// files spent in total (more than the wall time when two workers ran its files at once).
import type { Reporter, TestModule } from "vitest/node";

interface Layer {
  files: number;
  tests: number;
  failed: number;
  first: number;
  last: number;
  busy: number;
}

export default class LayerTiming implements Reporter {
  private readonly started = new Map<string, number>();
  private readonly layers = new Map<string, Layer>();

  onTestModuleStart(m: TestModule): void {
    this.started.set(m.moduleId, Date.now());
  }

  onTestModuleEnd(m: TestModule): void {
    const name = m.project.name || "default";
    const l = this.layers.get(name) ?? { files: 0, tests: 0, failed: 0, first: Infinity, last: 0, busy: 0 };
    const tests = [...m.children.allTests()];
    l.files++;
    l.tests += tests.length;
    l.failed += tests.filter((t) => t.result().state === "failed").length;
    l.first = Math.min(l.first, this.started.get(m.moduleId) ?? Date.now());
    l.last = Math.max(l.last, Date.now());
    l.busy += m.diagnostic().duration;
    this.layers.set(name, l);
  }

  onTestRunEnd(): void {
    if (!this.layers.size) return;
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`.padStart(9);
    const lines = ["", "layer          files  tests  failed       wall   files' time"];
    for (const [name, l] of this.layers)
      lines.push(
        `${name.padEnd(13)} ${String(l.files).padStart(6)} ${String(l.tests).padStart(6)} ${String(l.failed).padStart(7)}` +
          ` ${s(l.last - l.first)} ${s(l.busy)}`,
      );
    process.stdout.write(lines.join("\n") + "\n");
  }
}
