// `track_file NAME { file PATH; weight N [reverse]; init_file [VALUE] [overwrite] }` and its
// deprecated synonym `vrrp_track_file` (keepalived trackers/track_file.c track_file_handler and
// the handlers after it). The file's number times the weight moves the priority; with weight 0 a
// non-zero number is a FAULT (reverse: a zero one).
import { resolve } from "node:path";
import type { Statement } from "./conf-syntax.js";
import type { Ctx } from "./conf-context.js";
import type { TrackFileSpec } from "./model.js";

export function parseTrackFile(ctx: Ctx, s: Statement): TrackFileSpec | undefined {
  const name = s.args[0];
  if (!name) {
    ctx.error(s.where, "MISSING_NAME", `${s.keyword} needs a name`);
    return undefined;
  }
  if (s.keyword === "vrrp_track_file")
    ctx.warn(s.where, "DEPRECATED", `"vrrp_track_file" is deprecated, please use "track_file" (as keepalived says); read as track_file`);
  let path: string | undefined;
  let weight = 1;
  let weightSet = false;
  let weightReverse = false;
  let init: TrackFileSpec["init"];
  for (const st of s.block ?? []) {
    if (ctx.gate(st, s.keyword, `${s.keyword} ${name}`)) continue;
    switch (st.keyword) {
      case "file":
        if (path !== undefined)
          ctx.warn(st.where, "BAD_VALUE", `file already set for track_file ${name}; ${JSON.stringify(st.args[0])} ignored (as keepalived)`);
        else path = ctx.arg(st, "a file path");
        break;
      case "weight": {
        if (weightSet) {
          ctx.warn(st.where, "BAD_VALUE", `weight already set for track_file ${name}; ignored (as keepalived)`);
          break;
        }
        const w = ctx.weight(st, `track_file ${name}`);
        if (w === undefined) break;
        weight = w.weight;
        weightSet = true;
        if (w.reverse) weightReverse = true;
        break;
      }
      case "init_file": {
        // track_file_init_handler: a number (default 0) and/or `overwrite`.
        let value = 0;
        let overwrite = false;
        for (const w of st.args) {
          if (w === "overwrite") overwrite = true;
          else if (/^-?\d+$/.test(w) && Math.abs(Number(w)) <= 254) value = Number(w);
          else
            ctx.error(
              st.where,
              "BAD_VALUE",
              `track_file ${name}: init_file expects a number -254..254 and/or 'overwrite', got ${JSON.stringify(w)}`,
            );
        }
        init = { value, overwrite };
        break;
      }
      default:
        ctx.unhandled(st, s.keyword);
    }
  }
  if (path === undefined) {
    ctx.error(s.where, "MISSING_VALUE", `no file set for track_file ${name}; it is not tracked`);
    return undefined;
  }
  if (!path.startsWith("/")) {
    const abs = resolve(path);
    ctx.warn(
      s.where,
      "RELATIVE_PATH",
      `track_file ${name}: relative file ${JSON.stringify(path)} is read as ${abs} (the daemon's working directory, as keepalived)`,
    );
    path = abs;
  }
  return { name, where: s.where, path, weight, weightReverse, ...(init ? { init } : {}) };
}
