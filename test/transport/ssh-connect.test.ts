// A server that breaks connections before the SSH handshake (as an overloaded sshd dropping
// connections past MaxStartups does) makes each connect fail as unreachable; the several errors
// ssh2 emits for one such connection never go unhandled (which used to end the whole process).
import { createServer, type Socket } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KnownHosts } from "../../src/transport/known-hosts.js";
import { SshConnection } from "../../src/transport/ssh.js";
import { UnreachableError } from "../../src/transport/types.js";

describe("ssh connect", () => {
  it("50 connects to a server that resets them all reject as unreachable, none crashes", async () => {
    // half the connections reset after the banner, half never answer (the handshake times out, then the socket closes)
    let n = 0;
    // every connection's close, seen by the server: the test ends only after the last one
    let closed = 0;
    let allClosed: () => void = () => undefined;
    const closes = new Promise<void>((r) => (allClosed = r));
    const server = createServer((sock: Socket) => {
      sock.on("close", () => ++closed >= 50 && closed === n && allClosed());
      if (n++ % 2) return void setTimeout(() => sock.destroy(), 400);
      sock.write("SSH-2.0-OpenSSH_9.2\r\n");
      setTimeout(() => sock.resetAndDestroy(), 5);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const kh = new KnownHosts(join(mkdtempSync(join(tmpdir(), "kplay-kh-")), "known_hosts"), true);
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        SshConnection.open(
          {
            name: `h${i}`,
            kind: "ssh",
            endpoint: { host: "127.0.0.1", port, user: "root", password: "x" },
            jumps: [],
            becomeUser: "root",
          },
          { knownHosts: kh, connectTimeoutMs: 200, keepaliveIntervalMs: 15_000 },
        ),
      ),
    );
    // the late closes (the server ends the silent half after 400 ms) happen while the test still runs
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((r) => (timer = setTimeout(r, 10_000)));
    await Promise.race([closes, deadline]);
    clearTimeout(timer);
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise((r) => setImmediate(r)); // and the client's side of the last close is handled
    expect(closed).toBe(n);
    expect(results.every((r) => r.status === "rejected" && r.reason instanceof UnreachableError)).toBe(true);
  });
});
