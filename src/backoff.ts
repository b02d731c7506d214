// Owns waiting between retries: a delay that doubles after each wait, up to a cap. Shared by the
// connection pool (connect retries), the runner (reconnecting to a node whose link dropped) and
// the registry client (transient HTTP failures), so all three back off the same way.

export class Backoff {
  private next: number;

  constructor(private readonly o: { firstMs: number; maxMs?: number }) {
    this.next = o.firstMs;
  }

  /** The delay the next wait() will take. */
  get delayMs(): number {
    return this.next;
  }

  /** Wait the current delay, then double it (up to maxMs). */
  async wait(): Promise<void> {
    const ms = this.next;
    this.next = Math.min(this.next * 2, this.o.maxMs ?? Number.POSITIVE_INFINITY);
    await new Promise((r) => setTimeout(r, ms));
  }
}
