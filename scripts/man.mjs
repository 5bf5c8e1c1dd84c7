// Writes tsvrrpd(8) (troff) to stdout from the option table `tsvrrpd --help` prints (USAGE in
// src/cli-args.ts, read from the build), so the man page and --help cannot disagree.
// Usage: node scripts/man.mjs VERSION > tsvrrpd.8
import { USAGE } from "../dist/cli-args.js";

const version = process.argv[2] ?? "";
const esc = (s) => s.replace(/\\/g, "\\e").replace(/-/g, "\\-").replace(/^[.']/, "\\&$&");
const lines = USAGE.split("\n");
const commands = [];
const options = [];
const intro = [];
for (const line of lines) {
  let m;
  if (line === "Usage: tsvrrpd [OPTION...]") continue;
  if ((m = /^(?:Usage: | {7})(tsvrrpd .*?)(?:\s{2,}(.*))?$/.exec(line))) commands.push([m[1], m[2]]);
  // "  -f, --use-file=FILE   text" and "      --http=ADDR:PORT  text"; deeper-indented lines
  // continue the option above (they went to DESCRIPTION, and the option's text was cut).
  else if ((m = /^ {2,6}((?:-\w, )?--?[^\s,]+)\s+(.*)$/.exec(line))) options.push([m[1], m[2]]);
  else if (/^ {7,}\S/.test(line) && options.length > 0) options.at(-1)[1] += ` ${line.trim()}`;
  else if (line.trim()) intro.push(line);
}
if (options.length < 10) throw new Error(`man.mjs: read only ${options.length} options from USAGE`);
const out = [
  `.TH TSVRRPD 8 "" "tsvrrpd ${esc(version)}" "System Administration"`,
  ".SH NAME",
  "tsvrrpd \\- VRRP daemon compatible with keepalived's configuration and flags",
  ".SH SYNOPSIS",
  ".B tsvrrpd",
  "[\\fIOPTION\\fR...]",
  ...commands.flatMap(([c, d]) => [".br", `.B ${esc(c)}`, ...(d ? [`\\(em ${esc(d)}`] : [])]),
  ".SH DESCRIPTION",
  ...intro.map(esc),
  ".SH OPTIONS",
  ...options.flatMap(([o, d]) => [".TP", `.B ${esc(o)}`, esc(d)]),
  ".SH FILES",
  ".TP",
  ".I /etc/keepalived/keepalived.conf",
  "the configuration (keepalived.conf(5); the VRRP part is read)",
  ".TP",
  ".I /etc/default/tsvrrpd",
  "DAEMON_ARGS for the tsvrrpd.service unit",
  ".SH SIGNALS",
  "As keepalived: HUP reloads, TERM and INT stop (VIPs released), USR1 writes keepalived.data, USR2 keepalived.stats;",
  "\\fBtsvrrpd \\-\\-signum=NAME\\fR prints the number of the others.",
  ".SH SEE ALSO",
  "keepalived(8), keepalived.conf(5)",
  "",
];
process.stdout.write(out.join("\n"));
