// Owns writing POSIX ustar archives in memory (image layers): regular files, directories and
// symlinks with explicit modes, fixed mtime and owner so the same input gives the same bytes.
export interface TarEntry {
  path: string;
  type: "file" | "dir" | "symlink";
  mode?: number;
  data?: Buffer;
  target?: string;
}

function header(e: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(512, 0);
  let name = e.type === "dir" && !e.path.endsWith("/") ? `${e.path}/` : e.path;
  let prefix = "";
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf("/", name.length - 2);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
    if (Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155)
      throw new Error(`tar: path too long: ${e.path}`);
  }
  const put = (s: string, off: number, len: number) => h.write(s, off, len, "utf8");
  const oct = (n: number, off: number, len: number) => put(n.toString(8).padStart(len - 1, "0") + "\0", off, len);
  put(name, 0, 100);
  oct(e.mode ?? (e.type === "dir" ? 0o755 : 0o644), 100, 8);
  oct(0, 108, 8);
  oct(0, 116, 8);
  oct(size, 124, 12);
  oct(0, 136, 12);
  h.fill(0x20, 148, 156);
  put(e.type === "file" ? "0" : e.type === "dir" ? "5" : "2", 156, 1);
  if (e.target) put(e.target, 157, 100);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  put(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
  return h;
}

export function tar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.type === "file" ? (e.data ?? Buffer.alloc(0)) : Buffer.alloc(0);
    parts.push(header(e, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
