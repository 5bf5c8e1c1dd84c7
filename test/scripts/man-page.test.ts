// tsvrrpd(8) as the .deb ships it (scripts/man.mjs, from the option table of `tsvrrpd --help`):
// each option is a term with its whole description, and DESCRIPTION holds only the introduction.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { USAGE } from "../../src/cli-args.js";

const script = new URL("../../scripts/man.mjs", import.meta.url).pathname;

describe("tsvrrpd(8)", () => {
  const r = spawnSync(process.execPath, [script, "0.0.0-test"], { encoding: "utf8", timeout: 30_000 });
  const troff = r.stdout;
  const section = (name: string) => troff.split(`.SH ${name}\n`)[1]!.split("\n.SH ")[0]!;

  it("puts each option's short and long form in its term and keeps every line of its description", () => {
    expect(r.status, r.stderr).toBe(0);
    const options = section("OPTIONS");
    expect(options).toContain(".TP\n.B \\-t, \\-\\-config\\-test[=LOG_FILE]\n");
    expect(options).toContain(".TP\n.B \\-f, \\-\\-use\\-file=FILE\nconfiguration file (default /etc/keepalived/keepalived.conf)\n");
    expect(options).toContain(".B \\-\\-flush\\-log\\-file\n(always flushed)\n");
    // The last line of -t's description (a continuation line in --help).
    expect(options).toContain("instances would run (the daemon starts them and logs the errors)");
    const terms = [...options.matchAll(/^\.B (.*)$/gm)].length;
    expect(terms).toBe([...USAGE.matchAll(/^ {2,6}-/gm)].length);
  });

  it("DESCRIPTION has the introduction only, no option's continuation lines", () => {
    const description = section("DESCRIPTION");
    expect(description).toContain("VRRP daemon compatible with keepalived's configuration and flags");
    expect(description).not.toMatch(/^\s/m);
    expect(description).not.toContain("LOG_FILE");
  });
});
