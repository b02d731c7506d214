// The benchmark's "modules" case: for each module a node bootstrap uses, a play of TASKS
// idempotent tasks of that module (run once first so that nothing is left to change), and the raw
// shell check that does the same test by hand, one exec per task. Both are timed on the same
// nodes, interleaved; the table puts each module's node CPU and processes per task beside the
// raw command's, so a module whose idempotent path costs the node more than its check needs shows.
// Modules that need systemd, kernel modules or a writable /proc/sys (service, systemd, modprobe,
// sysctl) are left out: the benchmark's nodes are sshd-only containers.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { quote } from "../src/transport/quote.js";

export const TASKS = 10;
const DIR = "/etc/kplay-bench";

/** One module's play (the tasks' bodies) and the raw shell check of task `i`. */
interface ModuleCase {
  name: string;
  task: (i: number) => Record<string, unknown>;
  raw: (i: number) => string;
}

/** Write `content` only when its checksum differs (the raw idempotent copy). */
function put(path: string, content: string): string {
  const want = `c=${quote(content)}; [ "$(printf '%s' "$c" | sha256sum)" != "$(sha256sum < ${quote(path)} 2>/dev/null)" ]`;
  return `${want} && { printf '%s' "$c" > ${quote(path)}; echo changed; } || true`;
}

const LINE = (i: number) => `KPLAY_BENCH_${i}=1`;

export function moduleCases(template: { src: string; rendered: string }): ModuleCase[] {
  return [
    {
      name: "copy",
      task: (i) => ({ copy: { dest: `${DIR}/copy-${i}.conf`, content: `value ${i}\n`, mode: "0644" } }),
      raw: (i) => put(`${DIR}/copy-${i}.conf`, `value ${i}\n`),
    },
    {
      name: "template",
      task: (i) => ({ template: { src: template.src, dest: `${DIR}/template-${i}.toml` } }),
      raw: (i) => put(`${DIR}/template-${i}.toml`, template.rendered),
    },
    {
      name: "file (directory, mode)",
      task: (i) => ({ file: { path: `${DIR}/dir-${i}`, state: "directory", mode: "0755" } }),
      raw: (i) => {
        const p = quote(`${DIR}/dir-${i}`);
        return `[ -d ${p} ] && [ "$(stat -c %a ${p})" = 755 ] || { mkdir -p ${p} && chmod 755 ${p} && echo changed; }`;
      },
    },
    {
      name: "lineinfile",
      task: (i) => ({ lineinfile: { path: `${DIR}/lines`, line: LINE(i), create: true } }),
      raw: (i) =>
        `grep -qxF ${quote(LINE(i))} ${DIR}/lines 2>/dev/null || { echo ${quote(LINE(i))} >> ${DIR}/lines; echo changed; }`,
    },
    {
      name: "blockinfile",
      task: (i) => ({
        blockinfile: { path: `${DIR}/blocks`, block: LINE(i), marker: `# {mark} BENCH ${i}`, create: true },
      }),
      raw: (i) => {
        const block = `# BEGIN BENCH ${i}\n${LINE(i)}\n# END BENCH ${i}`;
        return `grep -qxF ${quote(`# BEGIN BENCH ${i}`)} ${DIR}/blocks 2>/dev/null || { printf '%s\\n' ${quote(block)} >> ${DIR}/blocks; echo changed; }`;
      },
    },
    {
      name: "command (creates)",
      task: (i) => ({ command: `touch ${DIR}/made-${i}`, args: { creates: `${DIR}/made-${i}` } }),
      raw: (i) => `[ -e ${DIR}/made-${i} ] || touch ${DIR}/made-${i}`,
    },
    {
      name: "package (installed)",
      task: () => ({ package: { name: "openssh-server", state: "present" } }),
      raw: () =>
        "dpkg-query -W -f='${Status}' openssh-server 2>/dev/null | grep -q 'install ok installed' || " +
        "apt-get install -y openssh-server",
    },
  ];
}

/** The play for one module case (its directory made by a first task; `vars` for the template). */
export function writeModulePlay(file: string, c: ModuleCase, vars: Record<string, string>): void {
  const tasks = Array.from({ length: TASKS }, (_, i) => ({ name: `${c.name} ${i}`, ...c.task(i) }));
  const play = [
    {
      name: `Idempotent ${c.name} (benchmark)`,
      hosts: "all",
      gather_facts: false,
      vars,
      pre_tasks: [{ name: "bench directory", file: { path: DIR, state: "directory" } }],
      tasks,
    },
  ];
  writeFileSync(file, stringify(play));
}

/** The raw reference's commands for one module case (the directory check first, as the play's). */
export function rawModuleCommands(c: ModuleCase): string[] {
  return [`[ -d ${DIR} ] || mkdir -p ${DIR}`, ...Array.from({ length: TASKS }, (_, i) => c.raw(i))];
}

export const modulePlayFile = (dir: string, index: number) => join(dir, `module-${index}.yml`);
