// Transfer progress: without a TTY a line per finished file (none per image blob) and a total
// every interval; on a TTY a live block with a bar per sized transfer and a total, erased on
// close; with --json, events. Driven with a fake clock; output captured.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { metered, TransferView } from "../../src/report/transfers.js";

function capture(tty: boolean) {
  let text = "";
  const out = { isTTY: tty, write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
  return { out, text: () => text };
}

describe("transfer progress", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("plain output: a line per file, none per blob, a total every 10 s while transfers run", async () => {
    const cap = capture(false);
    const v = new TransferView({ out: cap.out });
    const f = v.start("files/dl.k8s.io/kubeadm", 3e6);
    const blob = v.start("reg/app@0123456789ab", 5e6, "part");
    f.add(1e6);
    blob.add(2e6);
    vi.advanceTimersByTime(10_500);
    expect(cap.text()).toMatch(/^total: 3\.0 MB, 0\.3 MB\/s, 0 done, 2 active, about \d+s left of what is sized\n$/);
    f.add(2e6);
    f.done();
    blob.add(3e6);
    blob.done();
    expect(cap.text()).toContain("transferred files/dl.k8s.io/kubeadm: 3.0 MB in 10.5s\n");
    expect(cap.text()).not.toContain("0123456789ab");
    await expect(metered(v.start("x"), () => Promise.reject(new Error("lost")))).rejects.toThrow("lost");
    expect(cap.text()).toContain("FAILED x: 0.0 MB");
    v.close();
  });

  it("a TTY: a live block with a bar and the total, redrawn, gone after close", () => {
    vi.stubEnv("NO_COLOR", "1");
    const cap = capture(true);
    const v = new TransferView({ out: cap.out });
    const f = v.start("big.tar.gz", 10e6);
    f.add(5e6);
    vi.advanceTimersByTime(300);
    expect(cap.text()).toContain("  [##########          ] 5.0 MB/10.0 MB");
    expect(cap.text()).toContain("big.tar.gz\ntotal: 5.0 MB");
    vi.advanceTimersByTime(300);
    expect(cap.text()).toContain("\x1b[2A\x1b[J"); // the block moved up over and redrawn
    v.close();
    expect(cap.text().endsWith("\x1b[2A\x1b[J")).toBe(true);
    vi.unstubAllEnvs();
  });

  it("--json: start and end events, and periodic totals", () => {
    const cap = capture(false);
    const v = new TransferView({ out: cap.out, json: true });
    const f = v.start("a", 10);
    f.add(10);
    vi.advanceTimersByTime(10_500);
    f.done();
    const events = cap
      .text()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { event: string; bytes?: number });
    expect(events.map((e) => e.event)).toEqual(["transfer_start", "transfer_total", "transfer_end"]);
    expect(events[2]).toMatchObject({ name: "a", ok: true, bytes: 10 });
    v.close();
  });
});
