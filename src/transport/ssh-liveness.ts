// Owns SSH keepalive for one connection, sent only while the connection has work outstanding (a
// channel being opened or a command running): a keepalive@openssh.com request every interval,
// the link declared dead after `countMax` unanswered in a row. ssh2's own keepalive runs on every
// connection all the time: with thousands of hosts waiting for their turn in a play, idle pooled
// connections made the controller's CPU grow with hosts × run length (10,000 hosts over a
// 15-minute run: about 600,000 keepalive round trips). An idle link is left to TCP keepalive (set
// on the socket), and a link that died while idle is found by the keepalive of the next command.
import type { Client } from "ssh2";

type Handler = (...args: unknown[]) => void;
interface ProtocolInternals {
  _handlers?: { REQUEST_SUCCESS?: Handler; REQUEST_FAILURE?: Handler };
  ping?: () => void;
}

export interface LivenessOptions {
  intervalMs: number;
  countMax: number;
  /** Called once when the link is found dead (the connection should be destroyed). */
  dead: () => void;
}

export class Liveness {
  private busy = 0;
  /** Keepalive requests sent and not answered yet (answers come back in order). */
  private outstanding = 0;
  private timer?: NodeJS.Timeout;
  private gone = false;

  private constructor(
    private readonly proto: Required<Pick<ProtocolInternals, "ping">>,
    private readonly o: LivenessOptions,
  ) {}

  /**
   * Keepalive for `client` (connected with ssh2's own keepalive off), or undefined when ssh2's
   * protocol object is not laid out as expected (test/transport/ssh-cost.test.ts checks it).
   */
  static attach(client: Client, o: LivenessOptions): Liveness | undefined {
    const proto = (client as unknown as { _protocol?: ProtocolInternals })._protocol;
    const h = proto?._handlers;
    if (!proto || !h?.REQUEST_SUCCESS || !h.REQUEST_FAILURE || typeof proto.ping !== "function") return undefined;
    const l = new Liveness({ ping: () => proto.ping!.call(proto) }, o);
    for (const name of ["REQUEST_SUCCESS", "REQUEST_FAILURE"] as const) {
      const original = h[name]!;
      // an answer to our request is ours; any other goes to ssh2 as before
      h[name] = (...args: unknown[]) => (l.answered() ? undefined : original(...args));
    }
    client.once("close", () => l.stop());
    return l;
  }

  /** Work starts on the connection (nested calls count). */
  begin(): void {
    if (this.busy++ === 0 && !this.gone) this.timer = setInterval(() => this.tick(), this.o.intervalMs);
  }

  /** Work ends; the last one ends the keepalive. */
  end(): void {
    if (this.busy > 0 && --this.busy === 0) clearInterval(this.timer);
  }

  private answered(): boolean {
    if (this.outstanding === 0) return false;
    this.outstanding--;
    return true;
  }

  private tick(): void {
    if (this.outstanding >= this.o.countMax) {
      this.stop();
      this.o.dead();
      return;
    }
    this.outstanding++;
    this.proto.ping();
  }

  private stop(): void {
    this.gone = true;
    clearInterval(this.timer);
  }
}
