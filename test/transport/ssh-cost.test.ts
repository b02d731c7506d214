// The per-connection work kplay skips: ssh2's proof of every host key after OpenSSH's
// `hostkeys-00@openssh.com` notice (three signature checks per connection), and parsing the same
// private key file again for each host, and decoding the key's PEM again for every signature.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import ssh2 from "ssh2";
import { describe, expect, it, vi } from "vitest";
import { endOnce, ignoreHostKeysNotice } from "../../src/transport/ssh.js";
import { privateKey, signingOnce } from "../../src/transport/ssh-keys.js";

type Handler = (p: unknown, name: string, wantReply: boolean, data: unknown) => void;
interface Internals {
  _protocol: { _handlers: { GLOBAL_REQUEST: Handler }; openssh_hostKeysProve: (keys: unknown) => void };
}

/** A client mid-connect on a socket that never answers, with its protocol's prove request spied on. */
function connectingClient() {
  const client = new ssh2.Client();
  client.on("error", () => undefined);
  client.connect({ sock: new PassThrough() as never, username: "root", password: "x" });
  (client as unknown as { _remoteVer: string })._remoteVer = "OpenSSH_9.2p1"; // as sshd says in its banner
  const proto = (client as unknown as Internals)._protocol;
  const prove = vi.spyOn(proto, "openssh_hostKeysProve").mockImplementation(() => undefined);
  return { client, proto, prove };
}

const hostKeys = [
  ssh2.utils.generateKeyPairSync("ed25519").public,
  ssh2.utils.generateKeyPairSync("ecdsa", { bits: 256 }).public,
];

describe("per-connection cost", () => {
  it("ssh2 alone asks the server to prove its host keys (what the next test turns off)", () => {
    const { client, proto, prove } = connectingClient();
    proto._handlers.GLOBAL_REQUEST(proto, "hostkeys-00@openssh.com", false, hostKeys);
    expect(prove).toHaveBeenCalledTimes(1);
    client.end();
  });

  it("a kplay connection drops the host keys notice and passes other requests on", () => {
    const { client, proto, prove } = connectingClient();
    expect(ignoreHostKeysNotice(client)).toBe(true);
    proto._handlers.GLOBAL_REQUEST(proto, "hostkeys-00@openssh.com", false, hostKeys);
    expect(prove).not.toHaveBeenCalled();
    const failure = vi.spyOn(proto as unknown as { requestFailure: () => void }, "requestFailure");
    proto._handlers.GLOBAL_REQUEST(proto, "keepalive@openssh.com", true, undefined);
    expect(failure).toHaveBeenCalledTimes(1); // ssh2's own answer to every other request
    client.end();
  });

  it("a key file is read and parsed once; a key ssh2 cannot parse stays bytes for ssh2 to refuse", () => {
    const dir = mkdtempSync(join(tmpdir(), "kplay-key-"));
    const file = join(dir, "id");
    writeFileSync(file, ssh2.utils.generateKeyPairSync("ed25519").private, { mode: 0o600 });
    const first = privateKey(file, undefined);
    writeFileSync(file, "replaced"); // a re-read would now see this
    expect(privateKey(file, undefined)).toBe(first);
    expect(Buffer.isBuffer(first)).toBe(false);
    const bad = join(dir, "bad");
    writeFileSync(bad, "not a key");
    expect(Buffer.isBuffer(privateKey(bad, undefined))).toBe(true);
  });

  it("signs with a key object made once: the same signatures as ssh2's own, Errors returned as ssh2 does", () => {
    const kinds: Array<[string, object]> = [
      ["ed25519", {}],
      ["rsa", { bits: 2048 }],
      ["ecdsa", { bits: 256 }],
    ];
    for (const [type, opts] of kinds) {
      const pair = ssh2.utils.generateKeyPairSync(type as "rsa", opts as { bits: number });
      const ours = signingOnce(ssh2.utils.parseKey(pair.private) as ssh2.ParsedKey);
      const theirs = ssh2.utils.parseKey(pair.private) as ssh2.ParsedKey;
      expect(ours.sign).not.toBe(theirs.sign); // replaced, or this test proves nothing
      const pub = ssh2.utils.parseKey(pair.public) as ssh2.ParsedKey;
      const data = Buffer.from(`session data for ${type}`);
      for (const algo of type === "rsa" ? [undefined, "sha256", "sha512"] : [undefined]) {
        const sig = ours.sign(data, algo);
        expect(pub.verify(data, sig, algo)).toBe(true);
        if (type !== "ecdsa") expect(sig.equals(theirs.sign(data, algo))).toBe(true); // deterministic ones
      }
      expect(ours.sign(data, "no-such-hash")).toBeInstanceOf(Error);
    }
  });

  it("a parsed key file signs through its key object", () => {
    const dir = mkdtempSync(join(tmpdir(), "kplay-key-"));
    const file = join(dir, "id");
    writeFileSync(file, ssh2.utils.generateKeyPairSync("ed25519").private, { mode: 0o600 });
    const key = privateKey(file, undefined) as ssh2.ParsedKey;
    expect(Object.prototype.hasOwnProperty.call(key, "sign")).toBe(true); // ssh2's sign lives on its prototype
  });

  it("a channel is ended once: ssh2's second end() on close does not reach Node's stream", () => {
    const stream = new PassThrough();
    const end = vi.spyOn(stream, "end");
    endOnce(stream);
    stream.end();
    stream.end(); // as ssh2's Channel.destroy does
    expect(end).toHaveBeenCalledTimes(1);
  });
});
