// vrrp_instance: the block read keyword by keyword through INSTANCE_KEYWORDS (keepalived
// vrrp/vrrp_parser.c), then completed with keepalived's defaults (vrrp.c vrrp_complete_instance).
import type { GarpSettings } from "../vrrp/instance-types.js";
import type { Version } from "../vrrp/packet.js";
import type { Statement } from "./conf-syntax.js";
import type { Ctx } from "./conf-context.js";
import { parseNotify } from "./conf-sections.js";
import { parseGarp, type InstanceDefaults } from "./global-defs.js";
import { completeInstance } from "./instance-complete.js";
import { newDraft } from "./instance-draft.js";
import { INSTANCE_KEYWORDS } from "./instance-keywords.js";
import type { InstanceSpec, ScriptSpec, TrackFileSpec, TrackProcessSpec } from "./model.js";

export function parseInstance(
  ctx: Ctx,
  s: Statement,
  defaultVersion: Version,
  garpDefaults: GarpSettings,
  scripts: ScriptSpec[],
  defaults: InstanceDefaults,
  trackFiles: readonly TrackFileSpec[] = [],
  trackProcesses: readonly TrackProcessSpec[] = [],
): InstanceSpec | undefined {
  const name = s.args[0];
  if (!name) {
    ctx.error(s.where, "MISSING_NAME", "vrrp_instance needs a name");
    return undefined;
  }
  const errorsBefore = ctx.diags.filter((d) => d.severity === "error").length;
  const draft = newDraft(defaultVersion, garpDefaults, defaults);
  draft.name = name;
  for (const st of s.block ?? []) {
    // keywords.ts decides first: unsupported ones are warned about, refused ones are errors.
    if (ctx.gate(st, "vrrp_instance", `vrrp_instance ${name}`)) continue;
    if (parseNotify(ctx, st, draft.notify)) continue;
    const handler = Object.hasOwn(INSTANCE_KEYWORDS, st.keyword) ? INSTANCE_KEYWORDS[st.keyword] : undefined;
    if (handler) handler(ctx, st, draft);
    else if (!parseGarp(ctx, st, draft.garp, "")) ctx.unhandled(st, "vrrp_instance");
  }
  return completeInstance(ctx, s, name, draft, scripts, errorsBefore, trackFiles, trackProcesses);
}
