// Integration suite setup: a Docker engine must answer and the node image must exist (built once
// from src/sandbox/node-image when its recipe hash is new), and so must the sandbox's offline
// bundle every sandbox test shares (built here, once, because two files running side by side
// would otherwise both build it in the same place). Leftover test containers from a killed
// earlier run are removed by label first.
import { join } from "node:path";
import { ensureNodeImage } from "../../src/sandbox/image.js";
import { listContainers, listNetworks, removeContainers, removeNetworks } from "../../src/sandbox/nodes.js";
import { SHARED_BUNDLES, TEST_LABEL } from "./cluster.js";
import { FRESH_IMAGE_EXTRAS } from "./fresh-nodes.js";
import { ensureRoleRepo } from "./role-repo.js";

export default async function setup(): Promise<void> {
  process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
  await removeContainers((await listContainers(TEST_LABEL)).map((c) => c.id));
  await removeNetworks((await listNetworks(TEST_LABEL)).map((n) => n.id));
  const image = await ensureNodeImage((m) => console.log(m));
  // the compiled module, as `kplay sandbox up` runs it: it finds playbooks/ from its place in dist/
  const compiled = join(import.meta.dirname, "../../dist/bundle/sandbox-bundle.js");
  const bundle = (await import(compiled)) as typeof import("../../src/bundle/sandbox-bundle.js");
  await bundle.ensureSandboxBundle(SHARED_BUNDLES, image, (m) => console.log(m));
  // the fresh-node differential cases' image (python3 for ansible-playbook) and apt repository
  await ensureNodeImage((m) => console.log(m), FRESH_IMAGE_EXTRAS);
  ensureRoleRepo((m) => console.log(m));
}
