// Owns turning a directory of .deb files into a flat apt repository that apt verifies: Packages
// (+ .gz) built from each package's control fields and checksums, a Release with SHA256 sums,
// and InRelease / Release.gpg signed with the bundle key (gpg in a private GNUPGHOME).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { sha256File } from "../hash.js";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { makeDirs } from "../make-dirs.js";

const sum = (algo: string, data: Buffer) => createHash(algo).update(data).digest("hex");

/** The Packages index for every .deb in `dir` (sorted by file name). */
export function packagesIndex(dir: string): string {
  const stanzas: string[] = [];
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith(".deb"))
    .sort()) {
    const full = join(dir, f);
    const data = readFileSync(full);
    const control = execFileSync("dpkg-deb", ["-f", full], { encoding: "utf8" }).replace(/\n+$/, "");
    stanzas.push(
      `${control}\nFilename: ./${f}\nSize: ${data.length}\n` +
        `MD5sum: ${sum("md5", data)}\nSHA256: ${sum("sha256", data)}\n`,
    );
  }
  return stanzas.join("\n");
}

export interface SigningKey {
  /** GNUPGHOME holding the secret key (kept out of the bundle). */
  home: string;
  /** Armored public key, for the nodes' keyring. */
  publicKey: string;
}

/** Create (once) the key that signs a bundle's repositories. */
export function ensureSigningKey(home: string): SigningKey {
  makeDirs(home, 0o700);
  const gpg = (args: string[]) =>
    execFileSync("gpg", ["--batch", "--quiet", "--homedir", home, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  if (!gpg(["--list-secret-keys", "--with-colons"]).includes("sec:")) {
    gpg([
      "--passphrase",
      "",
      "--quick-generate-key",
      "kplay offline bundle <bundle@kplay.invalid>",
      "ed25519",
      "sign",
      "never",
    ]);
  }
  return { home, publicKey: gpg(["--armor", "--export"]) };
}

/** Index and sign the flat repository in `dir`. */
export function buildAptRepo(dir: string, key: SigningKey, label: string): void {
  const packages = Buffer.from(packagesIndex(dir));
  writeFileSync(join(dir, "Packages"), packages);
  writeFileSync(join(dir, "Packages.gz"), gzipSync(packages, { level: 9 }));
  const files = ["Packages", "Packages.gz"].map((f) => ({ f, data: readFileSync(join(dir, f)) }));
  const release = [
    `Origin: kplay`,
    `Label: ${label}`,
    `Date: ${new Date().toUTCString().replace("GMT", "UTC")}`,
    `MD5Sum:`,
    ...files.map(({ f, data }) => ` ${sum("md5", data)} ${data.length} ${f}`),
    `SHA256:`,
    ...files.map(({ f, data }) => ` ${sum("sha256", data)} ${data.length} ${f}`),
    "",
  ].join("\n");
  writeFileSync(join(dir, "Release"), release);
  for (const f of ["InRelease", "Release.gpg"]) rmSync(join(dir, f), { force: true });
  const gpg = (args: string[]) =>
    execFileSync("gpg", ["--batch", "--quiet", "--yes", "--homedir", key.home, "--digest-algo", "SHA256", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
  gpg(["--clearsign", "-o", join(dir, "InRelease"), join(dir, "Release")]);
  gpg(["--armor", "--detach-sign", "-o", join(dir, "Release.gpg"), join(dir, "Release")]);
}

/** sha256sum.txt lines for every file under `root` (paths relative, sorted). */
export function sha256Lines(root: string, skip: (rel: string) => boolean = () => false): string {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${e}` : e;
      if (skip(r)) continue;
      const st = statSync(join(root, r));
      if (st.isDirectory()) walk(r);
      // read in chunks: the bundle holds files of hundreds of MB (kplay's release, image layers)
      else if (st.isFile()) out.push(`${sha256File(join(root, r))}  ${r}`);
    }
  };
  if (existsSync(root)) walk("");
  return out.join("\n") + "\n";
}

/** gpg starts an agent for the key home; stop it so no process outlives the build. */
export function stopAgent(home: string): void {
  try {
    execFileSync("gpgconf", ["--homedir", home, "--kill", "gpg-agent"], { stdio: "ignore" });
  } catch {
    /* no agent running */
  }
}

export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
