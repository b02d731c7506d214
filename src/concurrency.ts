// Owns running work over many items with at most `limit` at once (p-queue), waiting for every
// item even when one throws, then rethrowing the first error: no promise is left floating and
// no item is still running when the caller goes on.
import PQueue from "p-queue";

export async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const q = new PQueue({ concurrency: Math.max(1, limit) });
  const settled = await Promise.allSettled(items.map((item) => q.add(() => fn(item))));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;
}
