// The sandbox as an operator grows it, and two checkouts side by side: `sandbox up --nodes N` on
// a running sandbox adds the missing nodes and keeps every container that exists, the new nodes
// are in the inventory in no cluster group until `add-to-cluster`, and a sandbox of the same
// name in another state directory is neither seen nor removed. Asserted on Docker's containers
// and on the files kplay wrote, and a node added later is reached over SSH by kplay itself.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listContainers } from "../../src/sandbox/nodes.js";
import { kplay, sandboxHome } from "../harness/cluster.js";

const name = `grow${process.pid}`;
const homeA = sandboxHome("kplay-sbx-a-");
const homeB = sandboxHome("kplay-sbx-b-");
const envA = { KPLAY_HOME: homeA };
const envB = { KPLAY_HOME: homeB };

interface Info {
  inventory: string;
  config: string;
  nodes: Array<{ name: string; role: string; container: string }>;
}
const status = async (env: Record<string, string>): Promise<Info> =>
  JSON.parse((await kplay(["sandbox", "status", "--name", name, "--json"], { env })).stdout) as Info;
const containerIds = async () =>
  new Map((await listContainers("kplay.sandbox", name)).map((c) => [c.name, c.id] as const));
type Inv = { all: { hosts: Record<string, unknown>; children: Record<string, { hosts?: Record<string, null> }> } };
const groupsOf = (inv: Inv, host: string) =>
  Object.entries(inv.all.children)
    .filter(([, g]) => g?.hosts && host in g.hosts)
    .map(([n]) => n)
    .sort();

beforeAll(async () => {
  const a = await kplay(["sandbox", "up", "--nodes", "1", "--name", name], { env: envA });
  expect(a.code, a.stderr).toBe(0);
}, 900_000);

afterAll(async () => {
  await kplay(["sandbox", "down", "--name", name], { env: envA });
  await kplay(["sandbox", "down", "--name", name], { env: envB });
});

describe("sandbox", () => {
  it("a second checkout's sandbox of the same name starts beside the first; each sees only its own", async () => {
    const b = await kplay(["sandbox", "up", "--nodes", "1", "--name", name], { env: envB });
    expect(b.code, b.stderr).toBe(0);
    const [sa, sb] = [await status(envA), await status(envB)];
    const [ca, cb] = [sa.nodes.map((n) => n.container), sb.nodes.map((n) => n.container)];
    expect(ca).toHaveLength(2);
    expect(cb).toHaveLength(2);
    expect(ca.filter((c) => cb.includes(c))).toEqual([]);
    const down = await kplay(["sandbox", "down", "--name", name], { env: envB });
    expect(down.stdout).toContain("removed 2 container(s) and 1 network(s)");
    const left = [...(await containerIds()).keys()].sort();
    expect(left).toEqual([...ca].sort()); // A's nodes untouched
    expect((await status(envA)).nodes.every((n) => (n as { state?: string }).state === "running")).toBe(true);
  });

  it("up with more nodes adds them and keeps the running ones; they are in no cluster group", async () => {
    const before = await containerIds();
    const up = await kplay(["sandbox", "up", "--nodes", "2", "--name", name], { env: envA });
    expect(up.code, up.stderr).toBe(0);
    const after = await containerIds();
    for (const [n, id] of before) expect(after.get(n)).toBe(id); // not recreated
    expect(after.size).toBe(3);
    const info = await status(envA);
    expect(info.nodes.map((n) => n.name)).toEqual(["bootstrap", "node1", "node2"]);
    const inv = parse(readFileSync(info.inventory, "utf8")) as Inv;
    const cfgInv = (parse(readFileSync(info.config, "utf8")) as { inventory: Inv }).inventory;
    for (const i of [inv, cfgInv]) {
      expect(Object.keys(i.all.hosts)).toContain("node2");
      expect(groupsOf(i, "node2")).toEqual([]);
      expect(groupsOf(i, "node1")).toEqual(["etcd", "kube_control_plane", "kube_node"]);
    }
    // kplay reaches the new node over SSH with the sandbox's key and known_hosts
    const ping = await kplay(
      ["run", "playbooks/examples/hello.yml", "--sandbox", "--sandbox-name", name, "--limit", "node2"],
      {
        env: envA,
      },
    );
    expect(ping.code, ping.stdout + ping.stderr).toBe(0);
  });

  it("up with fewer nodes is refused and changes nothing; add-to-cluster puts a node in its groups", async () => {
    const before = await containerIds();
    const down = await kplay(["sandbox", "up", "--nodes", "1", "--name", name], { env: envA });
    expect(down.code).toBe(2);
    expect(down.stderr).toContain("never removes");
    expect(await containerIds()).toEqual(before);
    const add = await kplay(["sandbox", "add-to-cluster", "node2", "--etcd", "--name", name], { env: envA });
    expect(add.code, add.stderr).toBe(0);
    const info = await status(envA);
    const inv = parse(readFileSync(info.inventory, "utf8")) as Inv;
    const cfgInv = (parse(readFileSync(info.config, "utf8")) as { inventory: Inv }).inventory;
    for (const i of [inv, cfgInv]) expect(groupsOf(i, "node2")).toEqual(["etcd", "kube_node"]);
    const none = await kplay(["sandbox", "add-to-cluster", "node9", "--name", name], { env: envA });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('has no node "node9"');
  });
});
