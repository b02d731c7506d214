// Owns the `debug` module: show a message or a variable's value; never touches the host.
import { z } from "zod";
import { defineModule } from "./types.js";

export const debugModule = defineModule({
  name: "debug",
  local: true,
  schema: z.object({ msg: z.unknown().optional(), var: z.string().optional(), verbosity: z.number().default(0) }).strict(),
  run: async (ctx, a) => {
    if (a.var !== undefined) return { changed: false, [a.var]: a.var in ctx.vars ? ctx.vars[a.var] : "VARIABLE IS NOT DEFINED!" };
    return { changed: false, msg: a.msg ?? "Hello world!" };
  },
});
