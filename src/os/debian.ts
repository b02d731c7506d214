// Owns the Debian family (Debian, Ubuntu, their derivatives): apt, update-ca-certificates,
// chrony as "chrony" with sources.d. Tested on real Debian 12 nodes.
import type { OsFamily } from "./family.js";

export const debian: OsFamily = {
  name: "Debian",
  repo: "apt",
  caTrustFile: "/usr/local/share/ca-certificates/kplay-ca.crt",
  caTrustUpdate: "update-ca-certificates --fresh",
  chrony: {
    service: "chrony",
    conf: "/etc/chrony/chrony.conf",
    sourcesFile: "/etc/chrony/sources.d/kplay.sources",
    optionsFile: "/etc/default/chrony",
    optionsVar: "DAEMON_OPTS",
  },
};
