// Owns batched line output for the event streams (--json on stdout, the run log): lines are
// written once per event-loop turn, in one write, instead of one write (or, for the run log,
// open + write + close) per event. Everything is written out before the process exits. The run
// log is a report, not state: a kill -9 can lose at most the lines of the turn in progress (the
// journal is fsync'd apart).
import { openSync, writeSync } from "node:fs";
import { whyUnreadable } from "../input-file.js";

const live = new Set<LineSink>();
process.on("exit", flushOutput);

export class LineSink {
  private buf: string[] = [];
  private scheduled = false;

  constructor(private readonly out: (data: string) => void) {
    live.add(this);
  }

  /**
   * Appends to a file (created 0600), kept open for the process's life. The file is opened (and
   * `prepare` run, e.g. making its directory) at the first line written, so a command refused
   * before its first event leaves no file behind.
   */
  static file(path: string, opts: { mode?: number; prepare?: () => void } = {}): LineSink {
    let fd: number | undefined;
    let broken = false;
    return new LineSink((data) => {
      if (broken) return;
      try {
        if (fd === undefined) {
          opts.prepare?.();
          fd = openSync(path, "a", opts.mode ?? 0o600);
        }
        const b = Buffer.from(data);
        for (let off = 0; off < b.length;) off += writeSync(fd, b, off);
      } catch (e) {
        // a report, not state: said once in plain words, the command goes on and exits 1
        broken = true;
        process.stderr.write(`kplay: error: cannot write ${path}: ${whyUnreadable(e)}\n`);
        process.exitCode = process.exitCode || 1;
      }
    });
  }

  write(line: string): void {
    this.buf.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.buf.length === 0) return;
    const data = this.buf.join("");
    this.buf = [];
    this.out(data);
  }
}

/** Write out every sink's pending lines now (also done when the process exits). */
export function flushOutput(): void {
  for (const s of live) s.flush();
}
