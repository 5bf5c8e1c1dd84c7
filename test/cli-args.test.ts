// keepalived 2.2.7's command line (core/main.c parse_cmdline, long_options and the getopt string
// ":vhlndu:DRS:f:p:i:es:mM::g::Gt::PCr:VXac:ITBb:xA:L"): every flag is accepted, honoured or logged
// as not applicable; none makes the daemon exit.
import { describe, expect, it } from "vitest";
import { parseArgs, syslogFacility, UsageError } from "../src/cli-args.js";
import { consoleTimestamp, keepalivedText, vrrpLogFileName } from "../src/operator/log.js";

const LONG_NO_ARG = [
  "vrrp", "check", "no_bfd", "all", "log-console", "log-detail", "all-config", "flush-log-file", "no-syslog", "release-vips",
  "dont-release-vrrp", "dont-release-ipvs", "dont-respawn", "dont-fork", "dump-conf", "genhash", "address-monitoring", "snmp",
  "core-dump", "no-mem-check", "mem-check-log",
]; // prettier-ignore
const LONG_WITH_ARG: [string, string][] = [
  ["use-file", "/k.conf"], ["log-facility", "local2"], ["umask", "077"], ["pid", "/p"], ["vrrp_pid", "/v"], ["checkers_pid", "/c"],
  ["bfd_pid", "/b"], ["snmp-agent-socket", "tcp:localhost:705"], ["config-id", "node1"], ["config-fd", "5"],
]; // prettier-ignore
const LONG_OPTIONAL = ["log-file", "core-dump-pattern", "perf", "debug"];
const SHORT = ["-P", "-C", "-B", "-l", "-D", "-e", "-G", "-X", "-V", "-I", "-R", "-n", "-d", "-T", "-a", "-x", "-m", "-M", "-L", "-g"];

describe("keepalived's flags", () => {
  it("accepts every long and short flag of keepalived 2.2.7 without throwing", () => {
    const o = parseArgs([
      ...LONG_NO_ARG.map((f) => `--${f}`),
      ...LONG_WITH_ARG.flatMap(([f, v]) => [`--${f}`, v]),
      ...LONG_OPTIONAL.map((f) => `--${f}`),
      ...SHORT,
      "-u022",
      "-S",
      "4",
      "-cX",
      "-b",
      "/b",
      "-A",
      "/a",
    ]);
    expect(o.dontFork && o.logConsole && o.logDetail).toBe(true);
    expect(o.file).toBe("/k.conf");
    expect(o.umask).toBe(0o22);
    expect(o.syslogFacility).toBeUndefined(); // -G wins
    expect(o.logFile).toBe("keepalived.log");
    expect(o.notApplicable.length).toBeGreaterThanOrEqual(25);
    expect(o.snmp).toBe(true);
    expect(o.snmpSocket).toBe("/a");
    expect(o.notApplicable.join("\n")).toMatch(/--no_bfd: tsvrrpd has no BFD process/);
  });
  it("-S takes 0-7, localN or a facility name; a bad one is a warning, not an exit (as keepalived)", () => {
    expect(syslogFacility("0")).toBe(16 << 3);
    expect(syslogFacility("local7")).toBe(23 << 3);
    expect(syslogFacility("daemon")).toBe(3 << 3);
    const o = parseArgs(["-S", "nonsense"]);
    expect(o.syslogFacility).toBe(3 << 3);
    expect(o.warnings).toEqual(["Invalid log facility 'nonsense'; logging to daemon"]);
  });
  // keepalived core/main.c parse_cmdline, case 't': the optional value is a log file that takes the
  // test's output (opened O_APPEND|O_CREAT|O_NOFOLLOW, dup2 over stderr); the file checked is -f's.
  it("-t's optional value is the log file for the test's output, not the configuration to check", () => {
    const o = parseArgs(["-f", "/k.conf", "--config-test=/tmp/check.log"]);
    expect(o.configTest).toBe(true);
    expect(o.file).toBe("/k.conf");
    expect(o.configTestLog).toBe("/tmp/check.log");
    expect(parseArgs(["-t/tmp/t.log"]).configTestLog).toBe("/tmp/t.log");
    expect(parseArgs(["-t"]).configTestLog).toBeUndefined();
    expect(parseArgs(["-t", "-f", "/k.conf"]).file).toBe("/k.conf");
  });
  // keepalived parse_cmdline: a word that is not an option is "Unexpected argument(s): WORD", not an
  // unknown option; an optional value (g::, t::) is only taken attached, so `-g FILE` leaves FILE over.
  it("a word that is no option is an unexpected argument, with the attached form when it follows -g", () => {
    expect(() => parseArgs(["-n", "keepalived.conf"])).toThrow(
      /^Unexpected argument keepalived\.conf \(the configuration file is given with -f FILE\)$/,
    );
    expect(() => parseArgs(["-p", "/run/b.pid", "status"])).toThrow(
      /^Unexpected argument status \(a command comes first, before its own options: tsvrrpd status --help\)$/,
    );
    // Not "-tkeepalived.conf": that would append the test's output to the configuration.
    expect(() => parseArgs(["-t", "keepalived.conf"])).toThrow(
      /^Unexpected argument keepalived\.conf \(the file to check is given with -f FILE; a value attached to -t names a log file for the output\)$/,
    );
    expect(() => parseArgs(["-g", "/var/log/k.log"])).toThrow(
      /^Unexpected argument \/var\/log\/k\.log \(-g takes its value attached: -g\/var\/log\/k\.log\)$/,
    );
    expect(() => parseArgs(["--log-file", "/var/log/k.log"])).toThrow(
      /\(--log-file takes its value attached: --log-file=\/var\/log\/k\.log\)$/,
    );
  });
  it("an option keepalived does not have is a usage error", () => {
    expect(() => parseArgs(["--frobnicate"])).toThrow(UsageError);
  });
});

describe("keepalived's log formats", () => {
  it("console timestamps are strftime %c in the C locale; keepalived phrases stand alone", () => {
    expect(consoleTimestamp(new Date(2026, 10, 3, 9, 4, 5))).toBe("Tue Nov  3 09:04:05 2026");
    expect(keepalivedText({ msg: "(VI_1) Entering MASTER STATE", instance: "VI_1", from: "BACKUP", kl: true })).toBe(
      "(VI_1) Entering MASTER STATE",
    );
    expect(keepalivedText({ msg: "VIP added", instance: "VI_1", vip: "192.0.2.1/32" })).toBe("(VI_1) VIP added vip=192.0.2.1/32");
  });
  it("-g names the VRRP file as keepalived's make_file_name does", () => {
    expect(vrrpLogFileName("/var/log/keepalived.log")).toBe("/var/log/keepalived_vrrp.log");
    expect(vrrpLogFileName("/var/log/ka")).toBe("/var/log/ka_vrrp");
    expect(vrrpLogFileName("keepalived.log")).toMatch(/^\/.+\/keepalived_vrrp\.log$/);
  });
});
