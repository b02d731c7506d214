// Owns the RedHat family (RHEL, Rocky, Alma, CentOS, Fedora, openEuler, Kylin, Anolis): dnf/yum,
// the ca-trust anchors, chrony as "chronyd" reading /etc/chrony.d. Not tested on a real node
// here (only Debian node images can be built on this project's machines).
import type { OsFamily } from "./family.js";

export const redhat: OsFamily = {
  name: "RedHat",
  repo: "rpm",
  caTrustFile: "/etc/pki/ca-trust/source/anchors/kplay-ca.crt",
  caTrustUpdate: "update-ca-trust extract",
  chrony: {
    service: "chronyd",
    conf: "/etc/chrony.conf",
    sourcesFile: "/etc/chrony.d/kplay.sources",
    optionsFile: "/etc/sysconfig/chronyd",
    optionsVar: "OPTIONS",
  },
};
