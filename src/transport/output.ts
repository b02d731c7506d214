// Owns keeping a command's output in bounded memory: with a limit, a stream keeps its first and
// last bytes (half the limit each) and counts the rest, so a task printing a gigabyte costs the
// controller the limit, not the gigabyte. Without a limit (kplay's own protocol reads, which are
// small by construction) everything is kept.

/** What `command`, `shell`, `raw` and `script` keep of each stream: the first and the last 256 KiB. */
export const OUTPUT_LIMIT = 512 * 1024;

export class BoundedOutput {
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  /** Every byte received, kept or not. */
  total = 0;

  constructor(private readonly limit?: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.limit === undefined) {
      this.head.push(chunk);
      return;
    }
    const half = this.limit / 2;
    if (this.headBytes < half) {
      const take = chunk.subarray(0, half - this.headBytes);
      this.head.push(take);
      this.headBytes += take.length;
      chunk = chunk.subarray(take.length);
      if (chunk.length === 0) return;
    }
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tailBytes - this.tail[0].length >= half) this.tailBytes -= this.tail.shift()!.length;
  }

  get truncated(): boolean {
    return this.limit !== undefined && this.total > this.limit;
  }

  /** The kept bytes as text; a truncated stream says how much is missing between head and tail. */
  text(): string {
    if (!this.truncated) return Buffer.concat([...this.head, ...this.tail]).toString("utf8");
    const half = this.limit! / 2;
    const tail = Buffer.concat(this.tail);
    const lastHalf = tail.subarray(tail.length - half);
    const skipped = this.total - this.headBytes - lastHalf.length;
    const head = Buffer.concat(this.head).toString("utf8");
    return `${head}\n[kplay: ${skipped} bytes of output not kept]\n${lastHalf.toString("utf8")}`;
  }
}
