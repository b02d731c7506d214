// Owns the `kplay images` command group: dispatch to list (manifests), mirror and push (the
// OCI registry client).
import { KplayError } from "../errors.js";
import { imagesListCommand } from "./manifests.js";
import { imagesMirrorCommand, imagesPushCommand } from "./mirror.js";

const SUBCOMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; summary: string }> = {
  list: { run: imagesListCommand, summary: "every image a set of Kubernetes manifests refers to" },
  mirror: {
    run: imagesMirrorCommand,
    summary: "copy images from their registries into a directory (OCI layout) or another registry",
  },
  push: { run: imagesPushCommand, summary: "push the images of a mirrored directory into the internal registry" },
};

export const IMAGES_HELP = `\
Usage: kplay images <command> [options]

Commands:
${Object.entries(SUBCOMMANDS)
  .map(([n, c]) => `  ${n.padEnd(8)} ${c.summary}`)
  .join("\n")}

"kplay images <command> --help" for details.`;

export async function imagesCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === "--help" || sub === "-h") {
    console.log(IMAGES_HELP);
    return sub ? 0 : 2;
  }
  const c = SUBCOMMANDS[sub];
  if (!c)
    throw new KplayError("usage", `unknown images command "${sub}"`, {
      hint: `one of: ${Object.keys(SUBCOMMANDS).join(", ")}`,
    });
  return c.run(rest);
}
