// Command line: keepalived's daemon flags, so tsvrrpd can replace the keepalived binary.
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { basename } from "node:path";
import { loadKeepalivedConf } from "./config/keepalived-conf.js";
import { formatDiagnostic, type Diagnostic } from "./config/errors.js";
import { createLogger } from "./daemon/log.js";
import { Runtime } from "./daemon/runtime.js";
import { DEFAULT_CONTROL_SOCKET, OperatorViews } from "./daemon/control.js";
import { installSignals } from "./daemon/signals.js";
import { listenProblem } from "./config/values.js";
import { liveDaemon, socketAnswers, writePidFile } from "./daemon/single-instance.js";
import { errorFields } from "./error-fields.js";

export interface CliOptions {
  file: string;
  dontFork: boolean;
  logConsole: boolean;
  logDetail: boolean;
  pidFile: string;
  vrrpPidFile?: string;
  configTest: boolean;
  dumpConf: boolean;
  help: boolean;
  version: boolean;
  http?: string;
  control: string;
  /** keepalived -i/--config-id: which `@ID` lines of the configuration are read. */
  configId?: string;
  /** keepalived --signum=NAME: print the signal number and exit. */
  signum?: string;
}

export class UsageError extends Error {
  readonly code = "USAGE";
}

const USAGE = `Usage: tsvrrpd [OPTION...]
       tsvrrpd openshift [--print-config]   run from OPENSHIFT_HA_* variables (keepalived-ipfailover)
       tsvrrpd remove-failover              what the IP-failover removal Job does
       tsvrrpd status [--json] [--socket PATH]  state of the running daemon
VRRP daemon compatible with keepalived's configuration and flags.

  -f, --use-file=FILE       configuration file (default /etc/keepalived/keepalived.conf)
  -n, --dont-fork           stay in the foreground
  -l, --log-console         log to the console (readable lines on a terminal)
  -D, --log-detail          detailed (debug) logging
  -p, --pid=FILE            pid file (default /run/keepalived.pid)
  -r, --vrrp_pid=FILE       VRRP child pid file (tsvrrpd has one process; written too)
  -i, --config-id=ID        read @ID lines of the configuration (default: the host name up to its first dot)
  -t, --config-test[=FILE]  check the configuration and exit (0 ok, 3 cannot run, 4 errors)
  -d, --dump-conf           log the parsed configuration at start
  -P, --vrrp                run only VRRP (always the case)
      --http=ADDR:PORT      serve /metrics, /healthz, /status (also global_defs http_listen)
      --signum=NAME         print the signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR or JSON
      --control=PATH        control socket for \`tsvrrpd status\` (default /run/tsvrrpd/control.sock)
  -h, --help                this text
  -v, --version             version
`;

const VALUE = new Set([
  "--signum",
  "--http",
  "--control",
  "-f",
  "--use-file",
  "-p",
  "--pid",
  "-r",
  "--vrrp_pid",
  "-S",
  "--log-facility",
  "-g",
  "--log-file",
  "-i",
  "--config-id",
]);

export function parseArgs(argv: readonly string[]): CliOptions {
  const o: CliOptions = {
    file: "/etc/keepalived/keepalived.conf",
    dontFork: false,
    logConsole: false,
    logDetail: false,
    pidFile: "/run/keepalived.pid",
    configTest: false,
    dumpConf: false,
    help: false,
    version: false,
    control: DEFAULT_CONTROL_SOCKET,
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i] as string;
    let value: string | undefined;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    } else if (/^-[a-zA-Z]./.test(arg) && VALUE.has(arg.slice(0, 2))) {
      value = arg.slice(2); // -fFILE
      arg = arg.slice(0, 2);
    } else if (/^-[a-zA-Z]{2,}$/.test(arg)) {
      // bundled short flags: -nlD
      const expanded = arg
        .slice(1)
        .split("")
        .map((c) => `-${c}`);
      argv = [...argv.slice(0, i), ...expanded, ...argv.slice(i + 1)];
      i--;
      continue;
    }
    const need = (): string => {
      if (value !== undefined) return value;
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case "-f":
      case "--use-file":
        o.file = need();
        break;
      case "-n":
      case "--dont-fork":
        o.dontFork = true;
        break;
      case "-l":
      case "--log-console":
        o.logConsole = true;
        break;
      case "-D":
      case "--log-detail":
        o.logDetail = true;
        break;
      case "-p":
      case "--pid":
        o.pidFile = need();
        break;
      case "-r":
      case "--vrrp_pid":
        o.vrrpPidFile = need();
        break;
      case "-t":
      case "--config-test":
        o.configTest = true;
        if (value) o.file = value;
        break;
      case "-d":
      case "--dump-conf":
        o.dumpConf = true;
        break;
      case "-P":
      case "--vrrp":
        break;
      case "-S":
      case "--log-facility":
      case "-g":
      case "--log-file":
        need(); // accepted for compatibility; logs go to stdout
        break;
      case "-i":
      case "--config-id":
        o.configId = need();
        break;
      case "--http": {
        o.http = need();
        const problem = listenProblem(o.http);
        if (problem) throw new UsageError(`--http: ${problem}`);
        break;
      }
      case "--control":
        o.control = need();
        break;
      case "--signum":
        o.signum = need();
        break;
      case "-h":
      case "--help":
        o.help = true;
        break;
      case "-v":
      case "--version":
        o.version = true;
        break;
      default:
        throw new UsageError(`unknown option ${arg}`);
    }
  }
  return o;
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** Exit codes of -t, as keepalived: 0 fine, 3 cannot run, 4 errors but would run. */
export function configTest(file: string, out: (s: string) => void, configId?: string): number {
  const { config, diagnostics } = loadKeepalivedConf(file, configId !== undefined ? { configId } : {});
  for (const d of diagnostics) out(formatDiagnostic(d));
  if (diagnostics.some((d) => d.code === "CONF_UNREADABLE")) return 3;
  if (diagnostics.some((d) => d.severity === "error")) return config.instances.length > 0 ? 4 : 3;
  out(`${file}: configuration OK (${config.instances.length} instance(s))`);
  return 0;
}

export async function main(argv: string[]): Promise<void> {
  if (argv[0] === "status") {
    const { statusCommand } = await import("./status.js");
    process.exit(await statusCommand(argv.slice(1)));
  }
  if (argv[0] === "simulate") {
    const { simulateCommand } = await import("./cluster/simulate-command.js");
    process.exit(simulateCommand(argv.slice(1)));
  }
  if (argv[0] === "check-cluster") {
    const { checkClusterCommand } = await import("./cluster/command.js");
    process.exit(checkClusterCommand(argv.slice(1)));
  }
  if (argv[0] === "openshift" || argv[0] === "remove-failover") {
    const m = await import("./openshift/commands.js");
    if (argv[0] === "openshift") await m.openshiftCommand(argv.slice(1));
    else await m.removeFailoverCommand();
    return;
  }
  const invokedAs = basename(process.argv[1] ?? "tsvrrpd");
  // The OpenShift liveness probe runs `pgrep keepalived`: answer to that name when run as keepalived.
  process.title = invokedAs === "keepalived" || process.env.TSVRRPD_PROCESS_NAME === "keepalived" ? "keepalived" : "tsvrrpd";
  let opts: CliOptions;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}`);
    process.exit(1);
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (opts.version) {
    process.stdout.write(`tsvrrpd v${packageVersion()} (keepalived-compatible VRRP)\n`);
    return;
  }
  if (opts.signum !== undefined) {
    // keepalived core/main.c: prints the number, or "Unknown sigfunc NAME" and exit 1.
    const { signumOf } = await import("./daemon/signals.js");
    const n = signumOf(opts.signum);
    if (n === undefined) {
      process.stderr.write(`Unknown sigfunc ${opts.signum}\n`);
      process.exit(1);
    }
    process.stdout.write(`${n}\n`);
    return;
  }
  if (opts.configTest) {
    process.exit(configTest(opts.file, (s) => process.stderr.write(s + "\n"), opts.configId));
  }
  if (!opts.dontFork) {
    // keepalived detaches unless -n; do the same by re-running ourselves in the background.
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1] as string, ...argv, "-n"], {
      detached: true,
      stdio: "ignore",
    });
    child.unref();
    return;
  }
  await runDaemon(opts);
}

async function runDaemon(opts: CliOptions): Promise<void> {
  const log = createLogger({ console: opts.logConsole, detail: opts.logDetail });
  const readOptions = opts.configId !== undefined ? { configId: opts.configId } : {};
  const { config, diagnostics } = loadKeepalivedConf(opts.file, readOptions);
  const report = (diags: readonly Diagnostic[]) => {
    for (const d of diags)
      log[d.severity === "error" ? "error" : "warn"]({ file: d.where.file, line: d.where.line, code: d.code }, d.message);
  };
  report(diagnostics);
  if (diagnostics.some((d) => d.code === "CONF_UNREADABLE")) {
    log.fatal({ file: opts.file }, "cannot read the configuration; exiting");
    process.exit(3);
  }
  if (opts.dumpConf) log.info({ config }, "configuration");
  for (const f of [opts.pidFile, opts.vrrpPidFile]) {
    const other = f ? liveDaemon(f) : undefined;
    if (other) {
      log.fatal({ pidFile: f, pid: other }, `daemon is already running (pid ${other} in ${f}); exiting without touching it`);
      process.exit(3);
    }
  }
  if (await socketAnswers(opts.control)) {
    log.fatal({ control: opts.control }, `another daemon answers on the control socket ${opts.control}; exiting without touching it`);
    process.exit(3);
  }
  for (const f of [opts.pidFile, opts.vrrpPidFile]) {
    if (!f) continue;
    try {
      writePidFile(f);
    } catch (e) {
      log.warn({ file: f, err: (e as Error).message }, "cannot write pid file; continuing");
    }
  }
  const runtime = new Runtime(config, { log });
  const views = new OperatorViews(runtime, log, opts.control, opts.http ?? config.global.httpListen);
  let exiting = false;
  const shutdown = async (signal: string) => {
    if (exiting) return;
    exiting = true;
    views.close();
    await runtime.stop(signal);
    for (const f of [opts.pidFile, opts.vrrpPidFile]) if (f) rmSync(f, { force: true });
    process.exit(0);
  };
  installSignals(
    {
      stop: (signal) => void shutdown(signal),
      reload: () => {
        const next = loadKeepalivedConf(opts.file, readOptions);
        report(next.diagnostics);
        // Difference: keepalived reloads what it could parse; a file with errors is more likely a
        // half-written edit than an intent, so the running configuration stays as it is.
        const errors = next.diagnostics.filter((d) => d.severity === "error");
        if (errors.length > 0) {
          const first = errors[0]!;
          log.error(
            { file: first.where.file, line: first.where.line, code: first.code, errors: errors.length },
            `reload refused: ${errors.length} error(s) in the configuration, first ${first.where.file}:${first.where.line}: ${first.message}; keeping the running configuration`,
          );
          return;
        }
        runtime.reload(next.config).catch((e) => log.error({ err: (e as Error).message }, "reload failed"));
      },
      dump: (kind, clear) => views.dump(kind, clear),
    },
    log,
  );
  try {
    await runtime.start();
    views.start();
  } catch (e) {
    log.fatal(errorFields(e), "cannot start; exiting");
    runtime.close();
    process.exit(3);
  }
}
