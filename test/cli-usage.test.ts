// `--help` never acts and a wrong argument is one line (issue 26 item 3): every subcommand's own
// parser, and main()'s dispatch with stdout/stderr captured. test/netns/help.test.ts runs the
// binary in a namespace with OPENSHIFT_HA_* set and checks that nothing on the system changed.
import { spawnSync } from "node:child_process";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../src/cli.js";
import { parseArgs, UsageError } from "../src/cli-args.js";
import { CommandUsageError } from "../src/cli-usage.js";
import { parseCheckClusterArgs } from "../src/cluster/command.js";
import { parseOpenshiftArgs, parseRemoveFailoverArgs } from "../src/openshift/commands.js";
import { parseStatusArgs } from "../src/status.js";

function run(argv: string[]): Promise<{ out: string; err: string; code: number | undefined }> {
  let out = "";
  let err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s) => ((err += String(s)), true));
  process.exitCode = undefined;
  return main(argv).then(() => {
    const code = process.exitCode as number | undefined;
    process.exitCode = undefined;
    vi.restoreAllMocks();
    return { out, err, code };
  });
}

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe("subcommand parsers", () => {
  it("--help or -h anywhere means help, before any other argument is judged", () => {
    expect(parseStatusArgs(["--bogus", "--help"])).toBe("help");
    expect(parseStatusArgs(["-h"])).toBe("help");
    expect(parseCheckClusterArgs(["--help"])).toBe("help");
    expect(parseCheckClusterArgs(["a.conf", "--jsn", "-h"])).toBe("help");
    expect(parseOpenshiftArgs(["--help"])).toBe("help");
    expect(parseOpenshiftArgs(["--print-config", "--help"])).toBe("help");
    expect(parseRemoveFailoverArgs(["--help"])).toBe("help");
  });

  it("an unknown option is an error naming it, never a path or a no-op", () => {
    expect(() => parseStatusArgs(["--bogus"])).toThrow(new CommandUsageError("Unknown option --bogus"));
    expect(() => parseStatusArgs(["-p"])).toThrow(new CommandUsageError("Missing parameter for option -p"));
    expect(() => parseStatusArgs(["extra"])).toThrow(/Unexpected argument extra/);
    expect(() => parseCheckClusterArgs(["--jsn", "a.conf"])).toThrow(new CommandUsageError("Unknown option --jsn"));
    expect(() => parseCheckClusterArgs(["--json"])).toThrow(/need at least one PATH/);
    expect(parseCheckClusterArgs(["a.conf", "--json", "dir"])).toEqual({ json: true, paths: ["a.conf", "dir"] });
    expect(() => parseOpenshiftArgs(["--print"])).toThrow(new CommandUsageError("Unknown option --print"));
    expect(parseOpenshiftArgs([])).toEqual({ printOnly: false });
    expect(parseOpenshiftArgs(["--print-config"])).toEqual({ printOnly: true });
    expect(parseRemoveFailoverArgs([])).toBe("run");
    expect(() => parseRemoveFailoverArgs(["--force"])).toThrow(new CommandUsageError("Unknown option --force"));
  });

  it("daemon flags: keepalived's parse_cmdline words", () => {
    expect(() => parseArgs(["--bogus"])).toThrow(new UsageError("Unknown option --bogus"));
    expect(() => parseArgs(["-nZ"])).toThrow(new UsageError("Unknown option -Z"));
    expect(() => parseArgs(["-f"])).toThrow(new UsageError("Missing parameter for option -f"));
    expect(() => parseArgs(["--use-file"])).toThrow(new UsageError("Missing parameter for option --use-file"));
    expect(parseArgs(["-t", "--help"]).help).toBe(true);
  });
});

// openshift and remove-failover are not run in-process here: a regression would act on this host
// (start a daemon, unload ip_vs). test/netns/help.test.ts runs them inside a namespace.
describe("main()", () => {
  for (const [cmd, first] of [
    ["status", "usage: tsvrrpd status"],
    ["check-cluster", "usage: tsvrrpd check-cluster"],
    ["simulate", "usage: tsvrrpd simulate"],
  ] as const)
    it(`${cmd} --help prints its own usage on stdout, exit 0, nothing on stderr`, async () => {
      const r = await run([cmd, "--help"]);
      expect(r.out.startsWith(first)).toBe(true);
      expect(r.err).toBe("");
      expect(r.code ?? 0).toBe(0);
    });

  it("an unknown option to a subcommand is one line on stderr and a non-zero exit", async () => {
    for (const [argv, code] of [
      [["status", "--bogus"], 1],
      [["check-cluster", "--jsn"], 2],
      [["simulate", "--bogus", "a.conf"], 2],
    ] as const) {
      const r = await run([...argv]);
      expect(r.err, argv.join(" ")).toMatch(
        new RegExp(`^tsvrrpd ${argv[0]}: Unknown option --(bogus|jsn) \\(see tsvrrpd ${argv[0]} --help\\)\\n$`),
      );
      expect(r.out).toBe("");
      expect(r.code).toBe(code);
    }
  });

  it("simulate: a flag without its value, a bad --seed, no PATH, a bad event: each its own one line", async () => {
    for (const [argv, message] of [
      [["simulate", "a.conf", "--events"], "Missing parameter for option --events"],
      [["simulate", "a.conf", "--seed", "x"], '--seed takes an integer, got "x"'],
      [["simulate", "--seed=3"], "need at least one PATH"],
      [["simulate", "a.conf", "--events", "explode a @1s"], 'event "explode a @1s": unknown'],
    ] as const) {
      const r = await run([...argv]);
      expect(r.err, argv.join(" ")).toBe(`tsvrrpd simulate: ${message} (see tsvrrpd simulate --help)\n`);
      expect(r.code).toBe(2);
    }
  });

  it("an unknown command is one line with a hint and exit 1", async () => {
    const r = await run(["stauts"]);
    expect(r.err).toMatch(/^tsvrrpd: unknown command 'stauts' \(commands: .*status.*; daemon options: tsvrrpd --help\)\n$/);
    expect(r.out).toBe("");
    expect(r.code).toBe(1);
  });
});

// The binary itself against keepalived 2.2.7 on the same arguments (core/main.c parse_cmdline: each
// bad option its own line on stderr as getopt meets it, then exit(1) after the loop; nothing on
// stdout, no usage). Left out: a long option missing its value, where 2.2.7 prints
// "Missing parameter for option --X" (longindex is not set by getopt_long then) and tsvrrpd names
// the option.
describe("the daemon's bad flags, as keepalived prints them", () => {
  const BIN = new URL("../bin/tsvrrpd", import.meta.url).pathname;
  for (const argv of [["--bogus"], ["-f"], ["-nZ"], ["--bogus", "-Z"], ["-Z", "-l", "-f"], ["-n", "--bogus", "-D", "--frob"]])
    it(`tsvrrpd ${argv.join(" ")}`, () => {
      const k = spawnSync("/usr/sbin/keepalived", argv, { encoding: "utf8", timeout: 20_000 });
      const t = spawnSync(BIN, argv, { encoding: "utf8", timeout: 20_000 });
      expect(k.stderr, "keepalived's words (the reference)").toMatch(/^(Unknown option|Missing parameter for option) /);
      expect(t.stderr).toBe(k.stderr);
      expect(t.status).toBe(k.status);
      expect(t.status).toBe(1);
      expect(t.stdout).toBe("");
    });
});
