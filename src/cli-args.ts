// keepalived 2.2.7's command line (core/main.c parse_cmdline, its long_options table), so the
// binary can be swapped under an existing unit file: every flag keepalived accepts is honoured or
// accepted with a logged "not applicable" (notApplicable), never an exit.
import { DEFAULT_PID_FILE, defaultControlSocket } from "./operator/control-path.js";
import { listenProblem } from "./config/values.js";
import { LOG_DAEMON } from "./operator/log.js";

export interface CliOptions {
  file: string;
  dontFork: boolean;
  logConsole: boolean;
  logDetail: boolean;
  /** --log-json (tsvrrpd): JSON lines on stdout. */
  logJson: boolean;
  /** syslog facility (-S), undefined with -G/--no-syslog. */
  syslogFacility: number | undefined;
  /** -g/--log-file[=FILE] (keepalived: keepalived.log in /tmp when no name is given). */
  logFile?: string;
  pidFile: string;
  vrrpPidFile?: string;
  configTest: boolean;
  /** -t/--config-test=LOG_FILE: the test's output goes there, appended, instead of stderr (keepalived's meaning). */
  configTestLog?: string;
  dumpConf: boolean;
  help: boolean;
  version: boolean;
  http?: string;
  /** --control, else derived from the pid file and the network namespace (control-path.ts). */
  control: string;
  /** keepalived -i/--config-id: which `@ID` lines of the configuration are read. */
  configId?: string;
  /** keepalived --signum=NAME: print the signal number and exit. */
  signum?: string;
  /** -u/--umask: the process umask (octal, as keepalived's set_umask). */
  umask?: number;
  /** -x/--snmp: KEEPALIVED-MIB and VRRPv3-MIB served (keepalived global_data.c: as enable_snmp_vrrp + _rfcv3). */
  snmp: boolean;
  /** -A/--snmp-agent-socket: the AgentX master (overrides snmp_socket). */
  snmpSocket?: string;
  /** -s/--namespace: the network namespace to run in, over the file's net_namespace (keepalived main.c). */
  namespace?: string;
  /** -p was given: net_namespace does not move the pid file then. */
  pidFileGiven: boolean;
  /** --control was given: net_namespace does not derive it again. */
  controlGiven: boolean;
  /** --reload-on-change (tsvrrpd): reload when the file or its includes change, as on SIGHUP. */
  reloadOnChange: boolean;
  /** Flags accepted without effect, with why: logged once the logger exists. */
  notApplicable: string[];
  /** Values that were wrong but, as keepalived, do not stop it (e.g. an unknown -S facility). */
  warnings: string[];
}

/** The subcommands (cli.ts); a word that is none of them and no flag is refused. */
export const COMMANDS = ["openshift", "remove-failover", "status", "manifest", "check-cluster", "simulate"] as const;

export class UsageError extends Error {
  readonly code = "USAGE";
}

export const USAGE = `Usage: tsvrrpd [OPTION...]
       tsvrrpd openshift [--print-config]   run from OPENSHIFT_HA_* variables (keepalived-ipfailover)
       tsvrrpd remove-failover              what the IP-failover removal Job does
       tsvrrpd status [--json] [-p PIDFILE | --control PATH]  state of a running daemon
       tsvrrpd status --check|--alive [-p PIDFILE | --control PATH]  readiness / liveness probe
       tsvrrpd manifest [daemonset|deployment] ...  Kubernetes objects (YAML) for kubectl apply
       tsvrrpd check-cluster PATH...        check keepalived.conf files of one cluster against each other
       tsvrrpd simulate PATH... --events .. run the files on a simulated LAN
       tsvrrpd COMMAND --help               a command's own options (it does nothing else)
VRRP daemon compatible with keepalived's configuration and flags (keepalived 2.2.7's flags are all
accepted; those about LVS, BFD, memory checks and core dumps are logged as not applicable).
  -x, --snmp                serve the KEEPALIVED-MIB VRRP part and the VRRPv3-MIB over AgentX
  -A, --snmp-agent-socket=S AgentX master (unix:PATH or tcp:HOST:PORT; default unix:/var/agentx/master)

  -f, --use-file=FILE       configuration file (default /etc/keepalived/keepalived.conf)
  -n, --dont-fork           stay in the foreground
  -l, --log-console         log to the console (with -n), as keepalived
  -D, --log-detail          detailed (debug) logging
  -S, --log-facility=N      syslog facility: 0-7 (local0-7), localN or a name (default daemon)
  -G, --no-syslog           do not log to syslog
  -g, --log-file[=FILE]     also log to FILE_vrrp (keepalived's name; default /tmp/keepalived_vrrp.log)
      --flush-log-file      (always flushed)
      --log-json            JSON lines on stdout (tsvrrpd; the default of \`tsvrrpd openshift\`)
  -u, --umask=MASK          umask for files the daemon creates
  -p, --pid=FILE            pid file (default /run/keepalived.pid; /run/keepalived/NS/keepalived.pid in
                            network namespace NS)
  -s, --namespace=NS        run in network namespace NS (/run/netns/NS), over the file's net_namespace
  -r, --vrrp_pid=FILE       VRRP child pid file (tsvrrpd has one process; written too)
  -i, --config-id=ID        read @ID lines of the configuration (default: the host name up to its first dot)
  -t, --config-test[=LOG_FILE]  check the configuration (-f) and exit, output to stderr or
                            appended to LOG_FILE: 0 fine (warnings printed, e.g. an interface
                            that does not exist here or no vrrp_instance), 3 cannot run
                            (unreadable, or errors leave no instance), 4 errors but the other
                            instances would run (the daemon starts them and logs the errors)
  -d, --dump-conf           log the parsed configuration at start
  -P, --vrrp                run only VRRP (always the case)
      --http=ADDR:PORT      serve /metrics, /healthz, /status (also global_defs http_listen)
      --signum=NAME         print the signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR or JSON
      --reload-on-change    reload when the configuration (or an include) changes, as on SIGHUP;
                            follows kubelet's ConfigMap updates (the ..data symlink swap)
      --control=PATH        control socket for \`tsvrrpd status\` (default: derived from the pid file and
                            the network namespace, /run/tsvrrpd/PIDFILE.HASH.netINODE.sock)
  -h, --help                this text
  -v, --version             version
`;

/** syslog facilities by name (sys/syslog.h facilitynames), as -S takes them. */
const FACILITIES: Record<string, number> = {
  kern: 0,
  user: 1 << 3,
  mail: 2 << 3,
  daemon: LOG_DAEMON,
  auth: 4 << 3,
  syslog: 5 << 3,
  lpr: 6 << 3,
  news: 7 << 3,
  uucp: 8 << 3,
  cron: 9 << 3,
  authpriv: 10 << 3,
  ftp: 11 << 3,
};
const LOG_LOCAL0 = 16 << 3;

/** Flags that take a value (short ones may carry it attached: -fFILE). */
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
  "-i",
  "--config-id",
  "-u",
  "--umask",
  "-c",
  "--checkers_pid",
  "-b",
  "--bfd_pid",
  "-A",
  "--snmp-agent-socket",
  "-s",
  "--namespace",
  "--config-fd",
]);
/** Optional values: only attached (-gFILE, --log-file=FILE), as getopt's optional_argument. */
const OPTIONAL = new Set(["-g", "--log-file", "-t", "--config-test", "-M", "--core-dump-pattern", "--perf", "--debug"]);

/** keepalived flags that have no meaning for tsvrrpd, with the reason logged at start. */
const NOT_APPLICABLE: Record<string, string> = {
  "-C": "checker (LVS) only: tsvrrpd is keepalived's VRRP side and runs VRRP",
  "--check": "checker (LVS) only: tsvrrpd is keepalived's VRRP side and runs VRRP",
  "-B": "tsvrrpd has no BFD process",
  "--no_bfd": "tsvrrpd has no BFD process",
  "--all": "tsvrrpd runs only VRRP",
  "-e": "tsvrrpd reads the whole configuration anyway",
  "--all-config": "tsvrrpd reads the whole configuration anyway",
  "--flush-log-file": "the log file is written line by line without buffering",
  "-X": "VIPs are released on stop and on leaving MASTER anyway",
  "--release-vips": "VIPs are released on stop and on leaving MASTER anyway",
  "-V": "tsvrrpd always releases VIPs and routes on stop",
  "--dont-release-vrrp": "tsvrrpd always releases VIPs and routes on stop",
  "-I": "tsvrrpd has no IPVS side",
  "--dont-release-ipvs": "tsvrrpd has no IPVS side",
  "-R": "tsvrrpd has no child process to respawn",
  "--dont-respawn": "tsvrrpd has no child process to respawn",
  "-T": "genhash belongs to keepalived's checker side",
  "--genhash": "genhash belongs to keepalived's checker side",
  "-a": "addresses are always watched through netlink",
  "--address-monitoring": "addresses are always watched through netlink",
  "-c": "tsvrrpd has no checker process",
  "--checkers_pid": "tsvrrpd has no checker process",
  "-b": "tsvrrpd has no BFD process",
  "--bfd_pid": "tsvrrpd has no BFD process",
  "-m": "core dumps follow the service manager's limits",
  "--core-dump": "core dumps follow the service manager's limits",
  "-M": "core dumps follow the service manager's limits",
  "--core-dump-pattern": "core dumps follow the service manager's limits",
  "--no-mem-check": "tsvrrpd has no memory checker",
  "-L": "tsvrrpd has no memory checker",
  "--mem-check-log": "tsvrrpd has no memory checker",
  "--perf": "perf profiling is keepalived's own",
  "--debug": "keepalived's debug options are its own",
  "--config-fd": "keepalived's internal flag between its processes",
};

/** keepalived -S: a number 0..7 or localN means LOG_LOCALN; otherwise a facility name. */
export function syslogFacility(v: string): number | undefined {
  const local = /^(?:local)?([0-7])$/.exec(v);
  if (local) return LOG_LOCAL0 + (Number(local[1]) << 3);
  return FACILITIES[v];
}

/**
 * keepalived parse_cmdline prints "Unexpected argument(s): WORD" for a word that is no option (and
 * carries on); tsvrrpd stops there, saying what the word was probably meant as. getopt takes an
 * optional value (-g, -t) only attached, so `-g FILE` leaves FILE over.
 */
function unexpectedArgument(word: string, prev: string | undefined): string {
  if ((COMMANDS as readonly string[]).includes(word))
    return `Unexpected argument ${word} (a command comes first, before its own options: tsvrrpd ${word} --help)`;
  if (prev === "-t" || prev === "--config-test")
    return `Unexpected argument ${word} (the file to check is given with -f FILE; a value attached to -t names a log file for the output)`;
  if (prev !== undefined && OPTIONAL.has(prev))
    return `Unexpected argument ${word} (${prev} takes its value attached: ${prev}${prev.startsWith("--") ? "=" : ""}${word})`;
  return `Unexpected argument ${word} (the configuration file is given with -f FILE)`;
}

export function parseArgs(argv: readonly string[]): CliOptions {
  const o: CliOptions = {
    file: "/etc/keepalived/keepalived.conf",
    dontFork: false,
    logConsole: false,
    logDetail: false,
    logJson: false,
    syslogFacility: LOG_DAEMON,
    pidFile: DEFAULT_PID_FILE,
    configTest: false,
    dumpConf: false,
    help: false,
    version: false,
    control: "",
    pidFileGiven: false,
    controlGiven: false,
    notApplicable: [],
    warnings: [],
    snmp: false,
    reloadOnChange: false,
  };
  let noSyslog = false;
  // keepalived core/main.c parse_cmdline: every bad option is its own line, as getopt meets it,
  // and the exit comes after the loop (or at the first error that stops the reading).
  const bad: string[] = [];
  const usage = (message: string) => new UsageError([...bad, message].join("\n"));
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i] as string;
    let value: string | undefined;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    } else if (/^-[a-zA-Z]./.test(arg) && (VALUE.has(arg.slice(0, 2)) || OPTIONAL.has(arg.slice(0, 2)))) {
      value = arg.slice(2); // -fFILE, -gFILE
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
      if (v === undefined) throw usage(`Missing parameter for option ${arg}`);
      return v;
    };
    if (Object.hasOwn(NOT_APPLICABLE, arg)) {
      if (VALUE.has(arg)) need();
      o.notApplicable.push(`${arg}${value !== undefined ? `=${value}` : ""}: ${NOT_APPLICABLE[arg]}`);
      continue;
    }
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
      case "--log-json":
        o.logJson = true;
        break;
      case "-S":
      case "--log-facility": {
        const v = need();
        const f = syslogFacility(v);
        // keepalived prints "Invalid log facility" and carries on with the default.
        if (f === undefined) o.warnings.push(`Invalid log facility '${v}'; logging to daemon`);
        else o.syslogFacility = f;
        break;
      }
      case "-G":
      case "--no-syslog":
        noSyslog = true;
        break;
      case "-g":
      case "--log-file":
        o.logFile = value || "keepalived.log";
        break;
      case "-u":
      case "--umask": {
        const v = need();
        if (!/^0?[0-7]{1,3}$/.test(v)) throw usage(`--umask expects an octal mask such as 022, got ${JSON.stringify(v)}`);
        o.umask = parseInt(v, 8);
        break;
      }
      case "-x":
      case "--snmp":
        o.snmp = true;
        break;
      case "-A":
      case "--snmp-agent-socket":
        o.snmpSocket = need();
        break;
      case "-s":
      case "--namespace":
        o.namespace = need();
        break;
      case "-p":
      case "--pid":
        o.pidFile = need();
        o.pidFileGiven = true;
        break;
      case "-r":
      case "--vrrp_pid":
        o.vrrpPidFile = need();
        break;
      case "-t":
      case "--config-test":
        o.configTest = true;
        // keepalived parse_cmdline: the value names the output file; the file checked is -f's.
        if (value) o.configTestLog = value;
        break;
      case "-d":
      case "--dump-conf":
        o.dumpConf = true;
        break;
      case "-P":
      case "--vrrp":
        break;
      case "-i":
      case "--config-id":
        o.configId = need();
        break;
      case "--http": {
        o.http = need();
        const problem = listenProblem(o.http);
        if (problem) throw usage(`--http: ${problem}`);
        break;
      }
      case "--reload-on-change":
        o.reloadOnChange = true;
        break;
      case "--control":
        o.control = need();
        o.controlGiven = true;
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
        bad.push(arg.startsWith("-") ? `Unknown option ${arg}` : unexpectedArgument(arg, argv[i - 1]));
    }
  }
  if (bad.length > 0) throw new UsageError(bad.join("\n"));
  if (noSyslog) o.syslogFacility = undefined;
  if (!o.control) o.control = defaultControlSocket(o.pidFile);
  return o;
}
