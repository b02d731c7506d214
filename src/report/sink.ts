// Owns batched line output for the event streams (--json on stdout, the run log): lines are
// written once per event-loop turn, in one write, instead of one write (or, for the run log,
// open + write + close) per event; at 200 hosts that was the controller's largest busy item.
// Everything is written out before the process exits. The run log is a report, not state: a
// kill -9 can lose at most the lines of the turn in progress (the journal is fsync'd apart).
import { closeSync, openSync, writeSync } from "node:fs";

const live = new Set<LineSink>();

export class LineSink {
  private buf: string[] = [];
  private scheduled = false;

  constructor(private readonly out: (data: string) => void, private readonly onClose?: () => void) {
    if (live.size === 0) process.on("exit", flushOutput);
    live.add(this);
  }

  /** Appends to a file (created 0600), kept open for the process's life. */
  static file(path: string, mode = 0o600): LineSink {
    const fd = openSync(path, "a", mode);
    return new LineSink(
      (data) => {
        const b = Buffer.from(data);
        for (let off = 0; off < b.length; ) off += writeSync(fd, b, off);
      },
      () => closeSync(fd),
    );
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

  close(): void {
    this.flush();
    live.delete(this);
    if (live.size === 0) process.removeListener("exit", flushOutput);
    this.onClose?.();
  }
}

/** Write out every sink's pending lines now (also done when the process exits). */
export function flushOutput(): void {
  for (const s of live) s.flush();
}
