// Owns `ping` (a round trip proving the host runs kplay's scripts; returns ping: data, "crash"
// fails as in Ansible) and `pause` (waits seconds or minutes on the controller; a prompt needs
// a person at the console, which an unattended run has not, so it is refused).
import { z } from "zod";
import { raw } from "../transport/sh.js";
import { defineModule } from "./types.js";

export const pingModule = defineModule({
  name: "ping",
  undo: "none",
  idempotent: true,
  schema: z.object({ data: z.string().default("pong") }).strict(),
  run: async (ctx, a) => {
    if (a.data === "crash") return { changed: false, failed: true, msg: "boom" };
    const r = await ctx.exec(raw("echo pong"));
    if (r.rc !== 0) return { changed: false, failed: true, rc: r.rc, msg: r.stderr.trim() };
    return { changed: false, ping: a.data };
  },
});

export const pauseModule = defineModule({
  name: "pause",
  undo: "none",
  local: true,
  schema: z
    .object({
      seconds: z.coerce.number().nonnegative().optional(),
      minutes: z.coerce.number().nonnegative().optional(),
      prompt: z.string().optional(),
      echo: z.boolean().default(true),
    })
    .strict(),
  run: async (_ctx, a) => {
    const seconds = a.seconds ?? (a.minutes !== undefined ? a.minutes * 60 : undefined);
    if (seconds === undefined)
      return {
        changed: false,
        failed: true,
        msg: "pause without seconds or minutes waits for a person: kplay runs unattended",
      };
    const start = new Date();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const stop = new Date();
    const delta = Math.round((stop.getTime() - start.getTime()) / 1000);
    return {
      changed: false,
      start: start.toISOString(),
      stop: stop.toISOString(),
      delta,
      user_input: "",
      stdout: `Paused for ${seconds} seconds`,
    };
  },
});
