// keepalived's configuration templating (lib/parser.c, read_line / check_definition /
// replace_param): `@ID line` is read only when ID is the config id (-i/--config-id, default the
// host name up to its first dot), `@^ID line` only when it is not; `$NAME=value` defines NAME
// (a value ending in `\` continues on the next lines), and `$NAME` / `${NAME}` are replaced in
// later lines. Definitions carry across included files, as in keepalived.
// Difference: `~SEQ(...)` / `~LST(...)` loops and `${NAME params}` are not supported (warning).
import { hostname } from "node:os";
import type { Diagnostic, Location } from "./errors.js";

const MAX_PASSES = 16; // a definition that refers to itself must not loop for ever

export function defaultConfigId(): string {
  return hostname().split(".")[0] ?? "";
}

export class Templating {
  private readonly defs = new Map<string, string>();
  /** A multiline definition being read: its name and the lines so far. */
  private pending: { name: string; lines: string[] } | undefined;

  constructor(private readonly configId: string | undefined = defaultConfigId()) {}

  /** One decommented line in, the lines to read out (none, one, or several for a multiline value). */
  line(text: string, where: Location, diags: Diagnostic[]): string[] {
    if (this.pending) {
      const more = text.trimEnd();
      const cont = more.endsWith("\\");
      this.pending.lines.push((cont ? more.slice(0, -1) : more).trim());
      if (!cont) {
        this.defs.set(this.pending.name, this.pending.lines.filter((l) => l !== "").join("\n"));
        this.pending = undefined;
      }
      return [];
    }
    let line = text.trimStart();
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      if (line.startsWith("@")) {
        const rev = line[1] === "^";
        const m = /^(\S+)[ \t]+(.*)$/.exec(line.slice(rev ? 2 : 1));
        if (!m) return [];
        const matches = this.configId !== undefined && m[1] === this.configId;
        if (matches === rev) return [];
        line = (m[2] ?? "").trimStart();
      }
      const def = /^\$([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*(.*)$/.exec(line);
      if (def) {
        const value = (def[2] ?? "").trimEnd();
        if (value.endsWith("\\")) this.pending = { name: def[1]!, lines: [value.slice(0, -1).trim()] };
        else this.defs.set(def[1]!, value);
        return [];
      }
      if (/^~(SEQ|LST)/.test(line)) {
        diags.push({
          severity: "warning",
          code: "UNSUPPORTED",
          where,
          message: "keepalived's ~SEQ/~LST loops are not supported by tsvrrpd; line ignored",
        });
        return [];
      }
      if (this.defs.size === 0 || !line.includes("$")) break;
      const next = this.substitute(line, where, diags);
      if (next === line) break;
      line = next;
      if (!line.includes("$") && !line.startsWith("@")) break;
    }
    return line.split("\n");
  }

  private substitute(line: string, where: Location, diags: Diagnostic[]): string {
    return line.replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)(?=[ \t,)]|$)/g,
      (all, braced: string | undefined, params: string | undefined, bare: string | undefined) => {
        const name = braced ?? bare!;
        const value = this.defs.get(name);
        if (value === undefined) return all;
        if (braced && params && params.trim() !== "") {
          diags.push({
            severity: "warning",
            code: "UNSUPPORTED",
            where,
            message: `parameters in \${${name}${params}} are not supported by tsvrrpd; left as written`,
          });
          return all;
        }
        return value;
      },
    );
  }

  /** A multiline definition still open at the end of the files. */
  unfinished(): string | undefined {
    return this.pending?.name;
  }
}
