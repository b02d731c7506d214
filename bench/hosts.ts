// Bench helpers for the "hosts" case: inventories of many hosts, and a timed kplay run that also
// records when its first host result arrived (planning time: inventory, playbook, variables).
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";

export interface HostsSample {
  wall: number;
  cpu: number;
  rssMb: number;
  planning: number;
}

/** N local-connection hosts (no SSH: the engine's own cost), in two groups. */
export function localInventory(file: string, n: number): void {
  const lines = ["[nodes]"];
  for (let i = 0; i < n; i++)
    lines.push(`h${i} ansible_connection=local ip=10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  lines.push("[etcd]", "h0", "h1", "h2", "");
  writeFileSync(file, lines.join("\n"));
}

/** N SSH hosts spread over the given sshd endpoints: each inventory host is its own connection. */
export function sshInventory(file: string, n: number, ports: number[], key: string): void {
  const lines = ["[nodes]"];
  for (let i = 0; i < n; i++) lines.push(`h${i} ansible_host=127.0.0.1 ansible_port=${ports[i % ports.length]}`);
  lines.push("[all:vars]", "ansible_user=root", `ansible_ssh_private_key_file=${key}`, "");
  writeFileSync(file, lines.join("\n"));
}

/** Run kplay under /usr/bin/time (planning is filled in by the caller from a run of the same play without tasks). */
export function timedKplay(cmd: string[], cwd: string): Promise<HostsSample> {
  return new Promise((res, rej) => {
    let err = "";
    const log = `${cwd}/../.bench-last-run.log`;
    const fd = openSync(log, "w");
    const p = spawn("/usr/bin/time", ["-f", "KPLAY-TIME %e %U %S %M", ...cmd], { cwd, stdio: ["ignore", fd, "pipe"] });
    closeSync(fd);
    p.stderr!.on("data", (d) => (err += d));
    p.on("close", (code) => {
      const m = /KPLAY-TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(err);
      if (code !== 0 || !m) {
        // the failures, so a failed sample says why
        const failed = readFileSync(log, "utf8")
          .split("\n")
          .filter((l) => /"status":"(failed|unreachable)"/.test(l))
          .slice(0, 5);
        return rej(new Error(`${cmd.join(" ")} failed (${code}): ${err.slice(-2000)}\n${failed.join("\n")}`));
      }
      res({ wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), rssMb: Number(m[4]) / 1024, planning: NaN });
    });
  });
}
