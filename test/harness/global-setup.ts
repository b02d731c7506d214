// Integration suite setup: a Docker engine must answer and the node image must exist (built once
// from src/sandbox/node-image when its recipe hash is new). Leftover test containers from a
// killed earlier run are removed by label first.
import { ensureNodeImage } from "../../src/sandbox/image.js";
import { listContainers, listNetworks, removeContainers, removeNetworks } from "../../src/sandbox/nodes.js";
import { TEST_LABEL } from "./cluster.js";

export default async function setup(): Promise<void> {
  process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
  await removeContainers((await listContainers(TEST_LABEL)).map((c) => c.id));
  await removeNetworks((await listNetworks(TEST_LABEL)).map((n) => n.id));
  await ensureNodeImage((m) => console.log(m));
}
