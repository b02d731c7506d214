// Owns progress of long transfers (bundle build downloads, bundle publish uploads, image blobs
// mirrored and pushed): the meter the transfer code reports bytes to, and how it reads. On a TTY
// a live block, one bar per active transfer (the largest few) and a total with rate and ETA,
// redrawn in place on stderr; without a TTY one line per finished transfer and a total every
// interval; with --json, progress events on stdout. The transfer code only counts bytes.

/** One transfer in progress: add bytes as they move, then done (or failed). */
export interface Transfer {
  add(bytes: number): void;
  done(): void;
  failed(): void;
}

export interface TransferMeter {
  /**
   * `total` when the size is known beforehand (an upload, a blob with its descriptor's size).
   * A "part" (an image blob) counts in the totals but gets no line of its own: its image does.
   */
  start(name: string, total?: number, kind?: "file" | "part"): Transfer;
}

const ignore: Transfer = { add: () => undefined, done: () => undefined, failed: () => undefined };
/** For callers that show no progress (tests, the sandbox's own bundle). */
export const NO_METER: TransferMeter = { start: () => ignore };

interface Active {
  name: string;
  kind: "file" | "part";
  total?: number;
  bytes: number;
  started: number;
}

export interface TransferViewOptions {
  out?: NodeJS.WriteStream;
  /** JSON lines on stdout instead of text on stderr (--json). */
  json?: boolean;
  /** Without a TTY: a total line this often. */
  totalEveryMs?: number;
  now?: () => number;
}

const MB = 1e6;
const mb = (n: number) => `${(n / MB).toFixed(1)} MB`;
const rate = (bytes: number, ms: number) => `${(bytes / MB / Math.max(ms / 1000, 0.001)).toFixed(1)} MB/s`;

export class TransferView implements TransferMeter {
  private readonly out: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly active = new Set<Active>();
  private readonly t0: number;
  private moved = 0;
  private expected = 0;
  private finished = 0;
  private drawn = 0;
  private lastTotal: number;
  private timer?: NodeJS.Timeout;

  constructor(private readonly o: TransferViewOptions = {}) {
    this.out = o.out ?? (o.json ? process.stdout : process.stderr);
    this.tty = !o.json && !!this.out.isTTY;
    this.now = o.now ?? Date.now;
    this.t0 = this.lastTotal = this.now();
  }

  start(name: string, total?: number, kind: "file" | "part" = "file"): Transfer {
    const a: Active = { name, kind, total, bytes: 0, started: this.now() };
    this.active.add(a);
    this.expected += total ?? 0;
    this.timer ??= setInterval(() => this.tick(), this.tty ? 250 : 1000).unref();
    if (this.o.json) this.event({ event: "transfer_start", name, total: total ?? null });
    let open = true;
    const end = (ok: boolean) => {
      if (!open) return;
      open = false;
      this.active.delete(a);
      this.finish(a, ok);
    };
    return {
      add: (n) => {
        a.bytes += n;
        this.moved += n;
      },
      done: () => end(true),
      failed: () => end(false),
    };
  }

  /** A line of the command's own output (stdout), kept above the live block. */
  print(s: string): void {
    this.erase();
    process.stdout.write(s + "\n");
  }

  /** Stop redrawing and leave the terminal clean (the command's own summary comes next). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.erase();
  }

  private finish(a: Active, ok: boolean): void {
    this.finished++;
    const ms = this.now() - a.started;
    if (this.o.json) return this.event({ event: "transfer_end", name: a.name, ok, bytes: a.bytes, elapsed_ms: ms });
    if (this.tty || a.kind === "part") return;
    this.line(`${ok ? "transferred" : "FAILED"} ${a.name}: ${mb(a.bytes)} in ${(ms / 1000).toFixed(1)}s`);
  }

  private tick(): void {
    const t = this.now();
    if (this.tty) return this.draw(t);
    if (t - this.lastTotal < (this.o.totalEveryMs ?? 10_000)) return;
    this.lastTotal = t;
    if (this.o.json) this.event({ event: "transfer_total", ...this.totals(t) });
    else if (this.active.size) this.line(this.totalLine(t));
  }

  private totals(t: number) {
    return {
      bytes: this.moved,
      expected: this.expected,
      done: this.finished,
      active: this.active.size,
      ms: t - this.t0,
    };
  }

  private totalLine(t: number): string {
    const ms = t - this.t0;
    const left = this.expected > this.moved ? this.expected - this.moved : 0;
    const perMs = this.moved / Math.max(ms, 1);
    const eta = left && perMs > 0 ? `, about ${Math.ceil(left / perMs / 1000)}s left of what is sized` : "";
    return `total: ${mb(this.moved)}, ${rate(this.moved, ms)}, ${this.finished} done, ${this.active.size} active${eta}`;
  }

  /** The live block: the six largest active transfers with a bar when their size is known, then the total. */
  private draw(t: number): void {
    const shown = [...this.active].sort((x, y) => (y.total ?? y.bytes) - (x.total ?? x.bytes)).slice(0, 6);
    const lines = shown.map((a) => {
      const pct = a.total ? Math.min(1, a.bytes / a.total) : undefined;
      const bar = pct === undefined ? "" : `[${"#".repeat(Math.round(pct * 20)).padEnd(20)}] `;
      const size = a.total ? `${mb(a.bytes)}/${mb(a.total)}` : mb(a.bytes);
      return `  ${bar}${size} ${rate(a.bytes, t - a.started)} ${a.name.slice(-60)}`;
    });
    this.erase();
    const block = [...lines, this.totalLine(t)];
    this.out.write(block.join("\n") + "\n");
    this.drawn = block.length;
  }

  private erase(): void {
    if (!this.tty || !this.drawn) return;
    this.out.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  private line(s: string): void {
    this.out.write(s + "\n");
  }

  private event(e: Record<string, unknown>): void {
    this.out.write(JSON.stringify(e) + "\n");
  }
}

/** Run a transfer's work: done when it resolves, failed when it throws (and the error passes on). */
export async function metered<T>(t: Transfer, work: () => Promise<T>): Promise<T> {
  try {
    const r = await work();
    t.done();
    return r;
  } catch (e) {
    t.failed();
    throw e;
  }
}
