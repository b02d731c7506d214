// Owns returning a whole cluster to its state before kplay: every host's undo log replayed
// newest first; when every host is reset, the recorded progress is cleared (the old journal is
// kept under its time), else it is kept so that running the command again continues.
import { revertHosts } from "../engine/revert.js";
import { writeStepsFile } from "../engine/steps.js";
import { warn, type ClusterSession } from "./session.js";

export async function removeCluster(s: ClusterSession, hosts: string[]): Promise<boolean> {
  const out = await revertHosts(s, hosts);
  const left = out.filter((x) => x.status !== "ok" && x.status !== "changed").map((x) => x.host);
  if (left.length === 0) {
    s.journal.startRun([]);
    writeStepsFile(s.stateDir, s.journal, [], s.inv.hostNames);
    return true;
  }
  warn(
    s,
    `not every host was reset (${left.join(", ")}); ` +
      "the recorded progress is kept: run remove-cluster again to continue",
  );
  return false;
}
