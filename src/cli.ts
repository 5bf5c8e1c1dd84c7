// Command line: keepalived's daemon flags, so tsvrrpd can replace the keepalived binary.
import { spawn } from "node:child_process";
import { existsSync, statSync, writeSync } from "node:fs";
import { basename } from "node:path";
import { loadKeepalivedConf } from "./config/keepalived-conf.js";
import { readConfTree } from "./config/conf-syntax.js";
import { formatDiagnostic, type Diagnostic } from "./config/errors.js";
import { hostDiagnostics, interfaceNames, NON_EXISTENT_INTERFACE, scriptDiagnostics } from "./config/host-checks.js";
import type { DaemonConfig } from "./config/model.js";
import { createLogger } from "./operator/log.js";
import { Runtime } from "./daemon/runtime.js";
import { StartStopScripts } from "./daemon/start-stop-scripts.js";
import { OperatorViews } from "./operator/control.js";
import { installSignals } from "./operator/signals.js";
import { Shutdown } from "./operator/shutdown.js";
import { liveDaemon, socketAnswers, writePidFile } from "./operator/single-instance.js";
import { enterNetns, makeNamespacePidDir, namespacePidFile, NETNS_DIR } from "./daemon/netns.js";
import { netnsNameProblem } from "./config/netns-name.js";
import { defaultControlSocket } from "./operator/control-path.js";
import type { Logger } from "./operator/log.js";
import { openForAppend } from "./operator/safe-open.js";
import { errorFields } from "./error-fields.js";
import { COMMANDS, parseArgs, USAGE, type CliOptions } from "./cli-args.js";
import { nativeHelper, sdNotify } from "./native/helper.js";
import { packageVersion } from "./version.js";

/**
 * Exit codes of -t, as keepalived's: 0 fine (warnings printed), 3 cannot run (unreadable, or
 * errors leave no instance), 4 errors but some instances would run. Difference: keepalived 2.2.7
 * also exits 5 on warnings and 6 on script-security warnings (README).
 */
export function configTest(
  file: string,
  out: (s: string) => void,
  configId?: string,
  interfaceExists?: (name: string) => boolean,
  namespace?: string,
): number {
  const read = () => loadKeepalivedConf(file, configId !== undefined ? { configId } : {});
  let { config, diagnostics } = read();
  // keepalived main.c: -s overrides net_namespace before set_namespaces, which -t runs too.
  const ns = namespace ?? config.global.netNamespace;
  if (ns !== undefined && !interfaceExists && !diagnostics.some((d) => d.code === "CONF_UNREADABLE")) {
    // keepalived -t enters the namespace too (main.c set_namespaces), so interfaces are looked up there.
    const why = enterNetns(ns);
    if (why) {
      for (const d of diagnostics) out(formatDiagnostic(d));
      out(`${file}: Unable to set network namespace ${ns}: ${why}; the daemon would exit`);
      return 3;
    }
    // Read again inside it: an interface's MTU (how many VIPs an advert carries) is the namespace's.
    ({ config, diagnostics } = read());
  }
  for (const d of diagnostics) out(formatDiagnostic(d));
  if (diagnostics.some((d) => d.code === "CONF_UNREADABLE")) return 3;
  interfaceExists ??= (name) => interfaceNames().has(name);
  // keepalived -t: one warning per instance on a missing interface, then its summary line.
  const host = [...hostDiagnostics(config, file, interfaceExists), ...scriptDiagnostics(config)];
  for (const d of host) out(formatDiagnostic(d));
  if (host.some((d) => d.code === "NO_SUCH_INTERFACE")) out(NON_EXISTENT_INTERFACE);
  if (diagnostics.some((d) => d.severity === "error")) return config.instances.length > 0 ? 4 : 3;
  out(`${file}: configuration OK (${config.instances.length} instance(s))`);
  return 0;
}

export async function main(argv: string[]): Promise<void> {
  // These commands set the exit code and return: process.exit() would cut short their output to a
  // pipe (asynchronous in Node), as it cut `status --json` of 255 instances at 219 KB. Each prints
  // its own usage for --help and does nothing else (cli-usage.ts).
  const [command, ...rest] = argv;
  if (command === "status") {
    const { statusCommand } = await import("./status.js");
    process.exitCode = await statusCommand(rest);
    return;
  }
  if (command === "simulate") {
    const { simulateCommand } = await import("./cluster/simulate-command.js");
    process.exitCode = simulateCommand(rest);
    return;
  }
  if (command === "manifest") {
    const { manifestMain } = await import("./kube/manifest-command.js");
    process.exitCode = manifestMain(rest);
    return;
  }
  if (command === "check-cluster") {
    const { checkClusterCommand } = await import("./cluster/command.js");
    process.exitCode = checkClusterCommand(rest);
    return;
  }
  if (command === "openshift" || command === "remove-failover") {
    const m = await import("./openshift/commands.js");
    if (command === "openshift") await m.openshiftCommand(rest);
    else await m.removeFailoverCommand(rest);
    return;
  }
  if (command !== undefined && !command.startsWith("-")) {
    process.stderr.write(`tsvrrpd: unknown command '${command}' (commands: ${COMMANDS.join(", ")}; daemon options: tsvrrpd --help)\n`);
    process.exitCode = 1;
    return;
  }
  const invokedAs = basename(process.argv[1] ?? "tsvrrpd");
  // The OpenShift liveness probe runs `pgrep keepalived`: answer to that name when run as keepalived.
  process.title = invokedAs === "keepalived" || process.env.TSVRRPD_PROCESS_NAME === "keepalived" ? "keepalived" : "tsvrrpd";
  let opts: CliOptions;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    // keepalived core/main.c parse_cmdline: "Unknown option --x" / "Missing parameter for option
    // -f" on stderr, exit 1; its getopt string starts with ':' so getopt itself prints nothing.
    process.stderr.write(`${errorFields(e).err}\n`);
    process.exit(1);
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (opts.version) {
    const { versionText } = await import("./version.js");
    // Written synchronously: -v exits at once (the process-connector probe would hold the loop).
    writeSync(1, versionText());
    process.exit(0);
  }
  if (opts.signum !== undefined) {
    // keepalived core/main.c: prints the number, or "Unknown sigfunc NAME" and exit 1.
    const { signumOf } = await import("./operator/signals.js");
    const n = signumOf(opts.signum);
    if (n === undefined) {
      process.stderr.write(`Unknown sigfunc ${opts.signum}\n`);
      process.exit(1);
    }
    process.stdout.write(`${n}\n`);
    return;
  }
  if (opts.configTest) {
    // keepalived parse_cmdline: -tLOG_FILE appends the test's output there (O_NOFOLLOW); a file
    // that cannot be opened is "Unable to open config-test log file ..." and exit 1.
    let fd = 2;
    if (opts.configTestLog !== undefined) {
      const clash = configTestLogClash(opts.configTestLog, opts.file, opts.configId);
      if (clash) {
        process.stderr.write(`Unable to open config-test log file ${opts.configTestLog}: ${clash}\n`);
        process.exit(1);
      }
      try {
        fd = openForAppend(opts.configTestLog);
      } catch (e) {
        process.stderr.write(`Unable to open config-test log file ${opts.configTestLog}: ${errorFields(e).err}\n`);
        process.exit(1);
      }
    }
    process.exit(configTest(opts.file, (s) => writeSync(fd, s + "\n"), opts.configId, undefined, opts.namespace));
  }
  try {
    // The native helper carries the VRRP and packet sockets and the deadline timer: without it no
    // instance could run, so the daemon does not start (before forking, so the error is seen).
    nativeHelper();
  } catch (e) {
    process.stderr.write(`tsvrrpd: cannot start: ${errorFields(e).err}\n`);
    process.exit(3);
  }
  if (!opts.dontFork) {
    // keepalived core/main.c keepalived_main: the configuration is checked and a running daemon
    // looked for before xdaemon(), so a start that cannot work fails where it was run; the detached
    // child would only tell syslog.
    const refusal = await startRefusal(opts);
    if (refusal) {
      process.stderr.write(`tsvrrpd: ${refusal.message}; not starting\n`);
      process.exit(refusal.exitCode);
    }
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

/**
 * Why -tLOG_FILE must not be opened: it is the configuration being checked or a file it includes
 * (same inode, whatever the path). Until -t took keepalived's meaning, -tFILE named the file to
 * check, and the old form would append warnings into the configuration and chmod it 0600.
 */
export function configTestLogClash(logFile: string, confFile: string, configId?: string): string | undefined {
  let log: { dev: number; ino: number };
  try {
    log = statSync(logFile);
  } catch {
    return undefined; // not there yet: created by the open
  }
  const read = readConfTree(confFile, configId !== undefined ? { configId } : {}).files;
  for (const f of new Set([confFile, ...read])) {
    try {
      const st = statSync(f);
      if (st.dev === log.dev && st.ino === log.ino)
        return `it is the configuration being checked${f === confFile ? "" : ` (${f}, included)`}; the file to check is given with -f FILE, a value attached to -t names a log file for the output`;
    } catch {
      // unreadable: nothing to protect
    }
  }
  return undefined;
}

/** Why a start cannot work, found before detaching: the exit code and message runDaemon would give. */
async function startRefusal(opts: CliOptions): Promise<{ exitCode: number; message: string } | undefined> {
  const readOptions = opts.configId !== undefined ? { configId: opts.configId } : {};
  const loaded = loadKeepalivedConf(opts.file, readOptions);
  const unreadable = loaded.diagnostics.find((d) => d.code === "CONF_UNREADABLE");
  if (unreadable) return { exitCode: 3, message: unreadable.message };
  // In a network namespace the pid file and control socket are derived there (enterNamespace):
  // the detached child checks them once inside.
  const netns = opts.namespace ?? loaded.config.global.netNamespace;
  if (netns !== undefined) {
    const problem = netnsNameProblem(netns);
    if (problem)
      return {
        exitCode: 1,
        message: `Unable to set network namespace ${netns} - exiting: '${netns}' is not a namespace name (${problem})`,
      };
    if (!existsSync(`${NETNS_DIR}/${netns}`))
      return {
        exitCode: 1,
        message: `Unable to set network namespace ${netns} - exiting: ${NETNS_DIR}/${netns} does not exist (ip netns add ${netns})`,
      };
    return undefined;
  }
  for (const f of [opts.pidFile, opts.vrrpPidFile]) {
    const other = f ? liveDaemon(f) : undefined;
    if (other) return { exitCode: 3, message: `daemon is already running (pid ${other} in ${f})` };
  }
  if (await socketAnswers(opts.control)) return { exitCode: 3, message: `another daemon answers on the control socket ${opts.control}` };
  return undefined;
}

async function runDaemon(opts: CliOptions): Promise<void> {
  // keepalived lib/logger.c: syslog unless -G; the console only with -l and -n; -g a file.
  const log = createLogger({
    console: opts.logConsole,
    json: opts.logJson,
    detail: opts.logDetail,
    ...(opts.syslogFacility !== undefined ? { syslogFacility: opts.syslogFacility } : {}),
    ...(opts.logFile ? { file: opts.logFile } : {}),
  });
  for (const w of opts.warnings) log.warn(w);
  for (const n of opts.notApplicable) log.info(`option ${n}; not applicable, ignored`);
  if (opts.umask !== undefined) process.umask(opts.umask);
  log.info({ kl: true, version: packageVersion() }, `Starting tsvrrpd v${packageVersion()} (keepalived-compatible VRRP)`);
  const readOptions = opts.configId !== undefined ? { configId: opts.configId } : {};
  let loaded = loadKeepalivedConf(opts.file, readOptions);
  const report = (diags: readonly Diagnostic[]) => {
    for (const d of diags)
      log[d.severity === "error" ? "error" : "warn"]({ file: d.where.file, line: d.where.line, code: d.code }, d.message);
  };
  if (loaded.diagnostics.some((d) => d.code === "CONF_UNREADABLE")) {
    report(loaded.diagnostics);
    log.fatal({ file: opts.file }, "cannot read the configuration; exiting");
    process.exit(3);
  }
  const netns = enterNamespace(opts, loaded.config, log);
  // Read again inside the namespace: what reading looks up on the host (an interface's MTU, which
  // decides how many VIPs an advert carries) is the namespace's, as in keepalived's VRRP child,
  // which reads the file after set_namespaces.
  if (netns !== undefined) loaded = loadKeepalivedConf(opts.file, readOptions);
  const { diagnostics } = loaded;
  const config = withSnmpFlags(loaded.config, opts);
  report(diagnostics);
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
  // keepalived core/main.c keepalived_main: the start/stop scripts are checked before the pid file is written.
  const startStop = new StartStopScripts(log, config.global);
  for (const f of [opts.pidFile, opts.vrrpPidFile]) {
    if (!f) continue;
    try {
      writePidFile(f);
    } catch (e) {
      log.warn({ file: f, ...errorFields(e) }, "cannot write pid file; continuing");
    }
  }
  const runtime = new Runtime(config, { log, version: `tsvrrpd v${packageVersion()} (keepalived-compatible VRRP)` });
  const views = new OperatorViews(runtime, log, opts.control, opts.http ?? config.global.httpListen);
  let inStartupScript = false;
  let reloadAfterStartup = false;
  const shutdown = new Shutdown({
    log,
    views,
    runtime,
    startStop,
    pidFiles: [opts.pidFile, opts.vrrpPidFile],
    inStartupScript: () => inStartupScript,
    notify: sdNotify,
    exit: (code) => process.exit(code),
  });
  const reload = () => {
    if (shutdown.exiting) {
      // keepalived core/main.c sigend: once stopping, only SIGCHLD is taken; a reload now would
      // start the stopped runtime's checks, FIFOs and sockets again on the way out.
      log.info("reload requested while stopping; ignored");
      return;
    }
    if (inStartupScript) {
      // keepalived reads the file again and starts VRRP from it once the startup script ends.
      reloadAfterStartup = true;
      log.info("reload requested while the startup script runs; done once it has ended");
      return;
    }
    // systemd Type=notify: RELOADING=1 now, READY=1 once the reload is done or refused.
    sdNotify("RELOADING=1");
    const next = loadKeepalivedConf(opts.file, readOptions);
    report(next.diagnostics);
    // keepalived global_data.c init_global_data (copy_unchangeable_config): the namespace stays.
    if (next.config.global.netNamespace !== config.global.netNamespace && opts.namespace === undefined)
      log.warn(
        { namespace: netns ?? null },
        `net_namespace cannot change on reload; staying in ${netns !== undefined ? `namespace ${netns}` : "the namespace tsvrrpd started in"}`,
      );
    // Difference: keepalived reloads what it could parse; a file with errors is more likely a
    // half-written edit than an intent, so the running configuration stays as it is.
    const errors = next.diagnostics.filter((d) => d.severity === "error");
    if (errors.length > 0) {
      const first = errors[0]!;
      log.error(
        { file: first.where.file, line: first.where.line, code: first.code, errors: errors.length },
        `reload refused: ${errors.length} error(s) in the configuration, first ${first.where.file}:${first.where.line}: ${first.message}; keeping the running configuration`,
      );
      sdNotify("READY=1");
      return;
    }
    startStop.reloaded(next.config.global);
    runtime
      .reload(withSnmpFlags(next.config, opts))
      .catch((e) => log.error(errorFields(e), "reload failed"))
      .finally(() => sdNotify("READY=1"));
  };
  installSignals(
    {
      stop: (signal) => void shutdown.run(signal),
      reload,
      dump: (kind, clear) => views.dump(kind, clear),
    },
    log,
  );
  try {
    // keepalived core/main.c: run_startup_script, and start_keepalived once it has ended.
    inStartupScript = true;
    await startStop.runStartup();
    inStartupScript = false;
    if (shutdown.exiting) return; // stopped meanwhile: shutdown() runs the shutdown script and exits
    await runtime.start();
    await views.start();
    if (opts.reloadOnChange) {
      const { ConfigWatcher } = await import("./operator/config-watch.js");
      new ConfigWatcher(opts.file, { log, onChange: reload, readOptions }).start();
    }
    sdNotify("READY=1");
    if (reloadAfterStartup) reload();
  } catch (e) {
    log.fatal(errorFields(e), "cannot start; exiting");
    runtime.close();
    process.exit(3);
  }
}

/**
 * net_namespace / -s (keepalived core/main.c: -s overrides the file, with its log line): enters
 * the namespace before any socket is opened, and moves the default pid file and control socket
 * there (the socket's name holds the namespace's inode, so a client inside it finds the daemon).
 * Exits when the namespace cannot be entered, as keepalived ("Unable to set network namespace").
 */
function enterNamespace(opts: CliOptions, config: DaemonConfig, log: Logger): string | undefined {
  const fromFile = config.global.netNamespace;
  if (opts.namespace !== undefined && fromFile !== undefined)
    log.info(`Overriding config net_namespace '${fromFile}' with command line namespace '${opts.namespace}'`);
  const name = opts.namespace ?? fromFile;
  if (name === undefined) return undefined;
  const why = enterNetns(name);
  if (why) {
    log.fatal({ namespace: name }, `Unable to set network namespace ${name} - exiting: ${why}`);
    process.exit(1);
  }
  if (!opts.pidFileGiven) {
    opts.pidFile = namespacePidFile(name);
    try {
      makeNamespacePidDir(name);
    } catch (e) {
      log.warn({ ...errorFields(e), pidFile: opts.pidFile }, "cannot make the pid file's directory; continuing");
    }
  }
  if (!opts.controlGiven) opts.control = defaultControlSocket(opts.pidFile);
  log.info({ namespace: name, pidFile: opts.pidFile, control: opts.control }, `running in network namespace ${name}`);
  return name;
}

/** keepalived global_data.c: -x enables the VRRP MIBs as enable_snmp_vrrp + enable_snmp_rfcv3; -A picks the socket. */
function withSnmpFlags(c: DaemonConfig, opts: CliOptions): DaemonConfig {
  if (!opts.snmp && opts.snmpSocket === undefined) return c;
  const s = c.global.snmp ?? { vrrp: false, rfcv3: false, traps: false };
  return {
    ...c,
    global: {
      ...c.global,
      snmp: {
        ...s,
        ...(opts.snmp ? { vrrp: true, rfcv3: true } : {}),
        ...(opts.snmpSocket !== undefined ? { socket: opts.snmpSocket } : {}),
      },
    },
  };
}
