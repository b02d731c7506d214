// Key pairs kplay makes (the sandbox's, the test clusters'): ssh2's generator writes a private
// key that cannot be loaded about once in a hundred ed25519 pairs, which made a whole test
// cluster refuse its own key. Every pair newEd25519KeyPair returns loads and signs.
import ssh2 from "ssh2";
import { describe, expect, it } from "vitest";
import { newEd25519KeyPair } from "../../src/transport/ssh-keys.js";

describe("newEd25519KeyPair", () => {
  it("500 pairs: every private key loads, and signs what its public key verifies", () => {
    const data = Buffer.from("session id");
    for (let i = 0; i < 500; i++) {
      const kp = newEd25519KeyPair(`k${i}`);
      const priv = ssh2.utils.parseKey(kp.private);
      const pub = ssh2.utils.parseKey(kp.public);
      if (priv instanceof Error || pub instanceof Error) throw new Error(`pair ${i} does not load`);
      const sig = priv.sign(data);
      expect(sig instanceof Buffer && pub.verify(data, sig)).toBe(true);
    }
  });
});
