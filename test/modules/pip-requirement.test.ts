// Requirement words as Ansible's pip module reads them, and whether a freeze list satisfies one
// (check mode's answer). Versions follow PEP 440's ordering for releases, pre-releases and ranges.
import { describe, expect, it } from "vitest";
import { isPresent, parseRequirement, recoverNames } from "../../src/modules/pip-requirement.js";

const FREEZE = "Kplay_Demo==1.10.0\notherdemo==2.0rc1\n";

describe("pip requirements", () => {
  it("joins a range cut at its comma, as Ansible's _recover_package_name", () => {
    expect(recoverNames(["foo>=1", "<2", "bar", " ", "baz==1"])).toEqual(["foo>=1,<2", "bar", "baz==1"]);
  });

  it("adds the version argument: a bare number means ==, an operator stays", () => {
    expect(parseRequirement("psutil", "5.8.0").text).toBe("psutil==5.8.0");
    expect(parseRequirement("psutil", ">=5").text).toBe("psutil >=5");
    expect(parseRequirement("Kplay.Demo[extra] >= 1.0, <2").specifiers).toEqual([
      { op: ">=", version: "1.0" },
      { op: "<", version: "2" },
    ]);
  });

  it.each([
    ["kplay-demo", true],
    ["KPLAY.DEMO==1.10", true],
    ["kplay_demo==1.1", false],
    ["kplay-demo>1.9,<1.11", true],
    ["kplay-demo>=1.10.1", false],
    ["kplay-demo~=1.9", true],
    ["kplay-demo~=1.9.0", false],
    ["kplay-demo==1.*", true],
    ["kplay-demo!=1.10.*", false],
    ["otherdemo>=2.0", false],
    ["otherdemo>=2.0rc1", true],
    ["missing", false],
  ])("%s against the freeze list: %s", (word, present) => {
    expect(isPresent(parseRequirement(word), FREEZE)).toBe(present);
  });
});
