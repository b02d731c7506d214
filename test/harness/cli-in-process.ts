// The CLI's main() run in this process as bin/kplay.js would run it: its exit status and what it
// printed (console and the standard streams captured), optionally in a working directory and
// with variables of its own, both put back afterwards. Cases run one at a time (the directory
// and the captures are the process's).
import { vi } from "vitest";

export type CliMain = (argv: string[]) => Promise<number>;

export interface Printed {
  status: number;
  stdout: string;
  stderr: string;
}

export async function runCliHere(
  main: CliMain,
  args: string[],
  o: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Printed> {
  const out: string[] = [];
  const err: string[] = [];
  const cwd = process.cwd();
  const saved = Object.fromEntries(Object.keys(o.env ?? {}).map((k) => [k, process.env[k]]));
  Object.assign(process.env, o.env ?? {});
  const line =
    (to: string[]) =>
    (...a: unknown[]) =>
      void to.push(`${a.join(" ")}\n`);
  vi.spyOn(console, "log").mockImplementation(line(out));
  vi.spyOn(console, "info").mockImplementation(line(out));
  vi.spyOn(console, "error").mockImplementation(line(err));
  vi.spyOn(console, "warn").mockImplementation(line(err));
  vi.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => out.push(String(c)) > 0);
  vi.spyOn(process.stderr, "write").mockImplementation((c: string | Uint8Array) => err.push(String(c)) > 0);
  if (o.cwd) process.chdir(o.cwd);
  try {
    const status = await main(args);
    return { status, stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.chdir(cwd);
    vi.restoreAllMocks();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
