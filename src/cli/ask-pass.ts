// Owns ansible-playbook's -k/--ask-pass and -K/--ask-become-pass: the SSH and become passwords
// asked for once, before anything runs, with Ansible's prompts. On a terminal what is typed is not
// shown; without one, each password is a line of standard input (as a pipe or a file gives it).
// The passwords stay in memory: never an argument, an environment variable or a file.
import { KplayError } from "../errors.js";

export interface AskedPasswords {
  ssh?: string;
  become?: string;
}

const MAX_PASSWORD = 4096;

/** Ask for the passwords the flags name, in Ansible's order and words (become defaults to the SSH one). */
export async function askPasswords(want: { ssh: boolean; become: boolean }): Promise<AskedPasswords> {
  if (!want.ssh && !want.become) return {};
  const read = process.stdin.isTTY ? fromTerminal : fromLines();
  const ssh = want.ssh ? await read("SSH password: ") : undefined;
  if (!want.become) return { ssh };
  const become = await read(ssh !== undefined ? "BECOME password[defaults to SSH password]: " : "BECOME password: ");
  return { ssh, become: become === "" && ssh !== undefined ? ssh : become };
}

/** Standard input read line by line (one password a line), for runs without a terminal. */
function fromLines(): (prompt: string) => Promise<string> {
  const chunks: Buffer[] = [];
  let ended = false;
  const take = () => {
    const text = Buffer.concat(chunks).toString("utf8");
    const at = text.indexOf("\n");
    if (at < 0) return undefined;
    chunks.length = 0;
    chunks.push(Buffer.from(text.slice(at + 1)));
    return text.slice(0, at).replace(/\r$/, "");
  };
  return (prompt) =>
    new Promise((resolve, reject) => {
      const done = (line: string | undefined) => {
        process.stdin.off("data", onData).off("end", onEnd).pause();
        if (line === undefined)
          reject(new KplayError("usage", `${prompt.replace(/[:[].*$/, "")}: standard input ended before a line`));
        else resolve(line);
      };
      const onData = (c: Buffer) => {
        chunks.push(c);
        if (Buffer.concat(chunks).length > MAX_PASSWORD) return done(undefined);
        const line = take();
        if (line !== undefined) done(line);
      };
      const onEnd = () => {
        ended = true;
        const rest = Buffer.concat(chunks).toString("utf8");
        done(rest === "" ? undefined : rest.replace(/\r?\n?$/, ""));
      };
      const ready = take();
      if (ready !== undefined) return resolve(ready);
      if (ended) return onEnd();
      process.stdin.on("data", onData).on("end", onEnd).resume();
    });
}

/** A line typed on the terminal without echo; Ctrl-C stops the command as a SIGINT does. */
function fromTerminal(prompt: string): Promise<string> {
  return new Promise((resolve) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    let typed = "";
    const finish = (line: string | undefined) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      if (line === undefined) process.kill(process.pid, "SIGINT");
      else resolve(line);
    };
    const onData = (c: Buffer) => {
      for (const ch of c.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return finish(typed);
        if (ch === "\u0003") return finish(undefined);
        if (ch === "\u007f" || ch === "\b") typed = typed.slice(0, -1);
        else if (ch === "\u0015") typed = "";
        else if (typed.length < MAX_PASSWORD) typed += ch;
      }
    };
    stdin.on("data", onData).resume();
  });
}
