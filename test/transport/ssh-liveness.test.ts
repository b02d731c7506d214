// SSH keepalive only while a connection has work outstanding (src/transport/ssh-liveness.ts): an
// idle pooled connection sends nothing; a busy one asks every interval and is declared dead after
// four unanswered requests; answers to its requests never reach ssh2's own request callbacks.
import { PassThrough } from "node:stream";
import ssh2 from "ssh2";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Liveness } from "../../src/transport/ssh-liveness.js";

type Handler = (...args: unknown[]) => void;
interface Internals {
  _protocol: { _handlers: { REQUEST_SUCCESS: Handler; REQUEST_FAILURE: Handler }; ping: () => void };
}

/** A client mid-connect on a socket that never answers: its protocol's ping and answer handlers spied on. */
function setUp() {
  const client = new ssh2.Client();
  client.on("error", () => undefined);
  client.connect({ sock: new PassThrough() as never, username: "root", password: "x", readyTimeout: 1e9 });
  const proto = (client as unknown as Internals)._protocol;
  const ping = vi.spyOn(proto, "ping").mockImplementation(() => undefined);
  const theirs = vi.fn();
  proto._handlers.REQUEST_FAILURE = theirs; // ssh2's own answer handler, as Liveness finds it
  const dead = vi.fn();
  const l = Liveness.attach(client, { intervalMs: 1000, countMax: 4, dead });
  return { client, proto, ping, theirs, dead, l: l! };
}

afterEach(() => vi.useRealTimers());

describe("keepalive while work is outstanding", () => {
  it("an idle connection sends no keepalive; a busy one every interval until its work ends", () => {
    vi.useFakeTimers();
    const { client, ping, l } = setUp();
    expect(l).toBeDefined(); // ssh2's protocol is laid out as Liveness expects
    vi.advanceTimersByTime(60_000);
    expect(ping).not.toHaveBeenCalled();
    l.begin();
    l.begin(); // two commands at once
    vi.advanceTimersByTime(2_500);
    expect(ping).toHaveBeenCalledTimes(2);
    l.end();
    vi.advanceTimersByTime(1_000);
    expect(ping).toHaveBeenCalledTimes(3); // one command still runs
    l.end();
    vi.advanceTimersByTime(60_000);
    expect(ping).toHaveBeenCalledTimes(3);
    client.end();
  });

  it("answers to its own requests are taken; others go to ssh2; four unanswered mean a dead link", () => {
    vi.useFakeTimers();
    const { client, proto, theirs, dead, ping, l } = setUp();
    l.begin();
    vi.advanceTimersByTime(1_000);
    proto._handlers.REQUEST_FAILURE(proto); // OpenSSH answers keepalive@openssh.com with a failure
    expect(theirs).not.toHaveBeenCalled();
    proto._handlers.REQUEST_FAILURE(proto); // not ours
    expect(theirs).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(4_000);
    expect(dead).not.toHaveBeenCalled(); // four asked, none answered yet
    vi.advanceTimersByTime(1_000);
    expect(dead).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10_000);
    expect(ping).toHaveBeenCalledTimes(5);
    client.end();
  });
});
