// Owns reading a text file the user gave kplay (inventory, playbook, vars file, config.yaml,
// --limit @file): a regular file of bounded size, UTF-8 (a byte-order mark is dropped, as Ansible
// and Python's utf-8-sig do), named for what it is otherwise — a FIFO or device would block or
// never end, UTF-16 or a binary file would parse as garbage. Errors are input errors naming it.
import { closeSync, fstatSync, openSync, readSync, constants } from "node:fs";
import { KplayError } from "./errors.js";

/** Larger than any inventory or playbook written by hand or generated (kubespray's are < 1 MiB). */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** The file's text, or an input error naming `label` (default: the path) and what is wrong. */
export function readTextInput(file: string, label = file): string {
  return decodeText(readBounded(file, label), label);
}

/** Text from bytes the user gave: UTF-8 (BOM dropped); UTF-16/32 and binary data named as such. */
export function decodeText(buf: Buffer, label: string): string {
  const fail = (why: string, hint?: string) => new KplayError("input", why, { where: { file: label }, hint });
  if (startsWith(buf, [0xff, 0xfe]) || startsWith(buf, [0xfe, 0xff]) || looksUtf16(buf))
    throw fail("the file is UTF-16 text, not UTF-8", "save it as UTF-8 (iconv -f UTF-16 -t UTF-8)");
  if (buf.subarray(0, 8192).includes(0)) throw fail("the file is binary data, not text");
  let text: string;
  try {
    text = UTF8.decode(buf);
  } catch {
    throw fail("the file is not UTF-8 text", "save it as UTF-8");
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function readBounded(file: string, label: string): Buffer {
  const fail = (why: string, hint?: string, cause?: unknown) =>
    new KplayError("input", why, { where: { file: label }, hint, cause });
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw fail(openProblem(e), undefined, e);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw fail("is a directory, not a file");
    if (!st.isFile()) throw fail("not a regular file (a device, FIFO or socket is never read)");
    if (st.size > MAX_INPUT_BYTES) throw fail(`larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB`);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

/** Plain words for why a file cannot be opened. */
export function openProblem(e: unknown): string {
  return `cannot read the file: ${whyUnreadable(e)}`;
}

/** Why a file could not be read, in plain words ("no such file"), never an errno code. */
export function whyUnreadable(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOENT: "no such file",
    EACCES: "permission denied",
    EPERM: "permission denied",
    ELOOP: "a loop of symbolic links",
    ENOTDIR: "a part of the path is not a directory",
    EISDIR: "is a directory, not a file",
    ENAMETOOLONG: "the path is too long",
  };
  if (code && words[code]) return words[code];
  return code ? `error ${code}` : e instanceof Error ? e.message : String(e);
}

function startsWith(buf: Buffer, bytes: number[]): boolean {
  return bytes.every((b, i) => buf[i] === b);
}

/** UTF-16 without a BOM: ASCII text with a zero byte beside every character. */
function looksUtf16(buf: Buffer): boolean {
  if (buf.length < 4) return false;
  const head = buf.subarray(0, 64);
  let zeros = 0;
  for (let i = 0; i < head.length; i++) if (head[i] === 0) zeros++;
  return zeros >= head.length / 3 && (head[0] === 0 || head[1] === 0) && (head[2] === 0 || head[3] === 0);
}
