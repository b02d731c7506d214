// Path arguments as Ansible's type path: $VAR, ${VAR} and a leading ~ expanded where the module
// runs (here: a real sh and awk with a chosen environment), nothing in a value ever run.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { expansionScript, pathArgsToExpand, withExpanded } from "../../src/modules/path-args.js";

const expand = (values: string[]) =>
  spawnSync("sh", ["-c", expansionScript(values).text], {
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: "/home/op", DIR: "/srv/d" },
  })
    .stdout.split("\n")
    .slice(0, values.length);

describe("path arguments", () => {
  it("expands as os.path.expanduser(os.path.expandvars(v)) does", () => {
    expect(expand(["$HOME/x", "~/y", "${DIR}z", "$NOPE/a", "~", "a$", "~x", "$DIR/~", "${DIR"])).toEqual([
      "/home/op/x",
      "/home/op/y",
      "/srv/dz",
      "$NOPE/a",
      "/home/op",
      "a$",
      "~x",
      "/srv/d/~",
      "${DIR",
    ]);
  });

  it("keeps a value that looks like code as data", () => {
    const hostile = "$(touch /tmp/kplay-pwn-path)`touch /tmp/kplay-pwn-path`'\"$DIR";
    expect(expand([hostile])).toEqual(["$(touch /tmp/kplay-pwn-path)`touch /tmp/kplay-pwn-path`'\"/srv/d"]);
    expect(existsSync("/tmp/kplay-pwn-path")).toBe(false);
  });

  it("asks the node only for the path arguments that need it", () => {
    expect(pathArgsToExpand("copy", { dest: "~/.kube/config", src: "~/a", content: "$x" })).toEqual(["dest"]);
    expect(pathArgsToExpand("copy", { dest: "/etc/x", src: "$HOME/a", remote_src: true })).toEqual(["src"]);
    expect(pathArgsToExpand("command", { cmd: "echo $HOME", chdir: "/tmp" })).toEqual([]);
    expect(pathArgsToExpand("debug", { msg: "$HOME" })).toEqual([]);
    expect(withExpanded({ dest: "~/x", mode: "0600" }, ["dest"], "/root/x\n")).toEqual({
      dest: "/root/x",
      mode: "0600",
    });
  });
});
