// service_facts reads systemctl's listings as Ansible's SystemctlScanService does.
import { describe, expect, it } from "vitest";
import { parseServices } from "../../src/modules/service_facts.js";

const UNITS = `  UNIT                        LOAD      ACTIVE   SUB     DESCRIPTION
  chrony.service              loaded    active   running chrony, an NTP client/server
  cron.service                loaded    inactive dead    Regular background program processing daemon
● ntp.service                 not-found inactive dead    ntp.service
● broken.service              loaded    failed   failed  A unit that failed
  ssh.service                 loaded    active   running OpenBSD Secure Shell server

LOAD   = Reflects whether the unit definition was properly loaded.
5 loaded units listed.
`;
const FILES = `chrony.service enabled active
cron.service enabled inactive
ssh.service enabled active
systemd-timesyncd.service masked inactive
getty@.service static inactive
`;

describe("service_facts", () => {
  it("builds Ansible's services fact from list-units and list-unit-files", () => {
    const s = parseServices(`${UNITS}--kplay-unit-files--\n${FILES}`);
    expect(s["chrony.service"]).toEqual({
      name: "chrony.service",
      state: "running",
      status: "enabled",
      source: "systemd",
    });
    expect(s["cron.service"]).toEqual({ name: "cron.service", state: "stopped", status: "enabled", source: "systemd" });
    expect(s["ntp.service"]).toEqual({ name: "ntp.service", state: "stopped", status: "not-found", source: "systemd" });
    expect(s["broken.service"]).toEqual({
      name: "broken.service",
      state: "stopped",
      status: "failed",
      source: "systemd",
    });
    expect(s["systemd-timesyncd.service"]).toEqual({
      name: "systemd-timesyncd.service",
      state: "inactive",
      status: "masked",
      source: "systemd",
    });
    expect(s["getty@.service"].status).toBe("static");
    expect(Object.keys(s)).toHaveLength(7);
  });
});
