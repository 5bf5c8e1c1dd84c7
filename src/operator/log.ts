// Logging through pino, to the places keepalived logs (lib/logger.c vlog_message):
//  - syslog, always unless -G/--no-syslog, ident Keepalived_vrrp, facility from -S (LOG_DAEMON);
//  - the console with -l and -n: `Mon Nov 23 19:04:56 2026: (VI_1) Entering MASTER STATE` on stderr;
//  - a file with -g/--log-file, keepalived's file timestamps;
//  - JSON lines on stdout with --log-json (the default for containers: `tsvrrpd openshift`), for
//    machines: string levels ("info"), ISO 8601 UTC times, no internal fields (machineJson).
// The lines operators grep for are keepalived's own words (`(VI_1) Entering MASTER STATE`,
// `VRRP_Script(chk) succeeded`): such records carry `kl: true` and their text is the message
// alone; other records add their fields as key=value.
import { closeSync, writeSync } from "node:fs";
import { pino, type Logger as PinoLogger, type DestinationStream, type StreamEntry } from "pino";
import { nativeHelper } from "../native/helper.js";
import { openForAppend } from "./safe-open.js";
import { errorFields } from "../error-fields.js";

export type Logger = PinoLogger;

export interface LogOptions {
  /** -l with -n: keepalived's console lines on stderr. */
  readonly console?: boolean;
  /** --log-json: JSON lines on stdout. */
  readonly json?: boolean;
  readonly detail: boolean;
  /** syslog facility number (LOG_DAEMON = 3 << 3); undefined: no syslog (-G). */
  readonly syslogFacility?: number;
  readonly syslogIdent?: string;
  /** -g: a file, keepalived's name for the VRRP process (make_file_name). */
  readonly file?: string;
  readonly destination?: DestinationStream;
}

export const LOG_DAEMON = 3 << 3;
const SYSLOG_PRIORITY: Record<number, number> = { 10: 7, 20: 7, 30: 6, 40: 4, 50: 3, 60: 2 };
const SKIP = new Set(["level", "time", "msg", "pid", "hostname", "instance", "vrid", "interface", "kl"]);
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const two = (n: number) => String(n).padStart(2, "0");

/** strftime("%c") in the C locale: `Mon Nov  3 19:04:56 2026` (local time). */
export function consoleTimestamp(d: Date): string {
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, " ")} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`;
}

/** keepalived's log file timestamp: "%a %b %d %T.%9ld %Y". */
function fileTimestamp(d: Date): string {
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds() * 1_000_000).padStart(9, "0")} ${d.getFullYear()}`;
}

/** The text of a record as keepalived would write it (no timestamp). */
export function keepalivedText(o: Record<string, unknown>): string {
  const msg = String(o.msg ?? "");
  if (o.kl) return msg;
  const inst = o.instance ? `(${String(o.instance)}) ` : "";
  const rest = Object.entries(o)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return `${inst}${msg}${rest ? " " + rest : ""}`;
}

/**
 * A record as --log-json writes it: pino's numeric level becomes its name, epoch milliseconds an
 * ISO 8601 UTC time, and `kl` (the text streams' marker for keepalived's own words) is dropped.
 */
export function machineJson(line: string): string {
  const o = parse(line);
  if (!o) return line;
  const { level, time, kl: _kl, ...rest } = o;
  const name = pino.levels.labels[Number(level)] ?? String(level);
  const iso = typeof time === "number" ? new Date(time).toISOString() : time;
  return `${JSON.stringify({ level: name, time: iso, ...rest })}\n`;
}

function parse(json: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** keepalived make_file_name(name, "vrrp"): /var/log/keepalived.log -> /var/log/keepalived_vrrp.log; relative names go to /tmp. */
export function vrrpLogFileName(name: string): string {
  const full = name.startsWith("/") ? name : `${process.env.TMPDIR || "/tmp"}/${name}`;
  const slash = full.lastIndexOf("/");
  const dot = full.lastIndexOf(".");
  return dot > slash ? `${full.slice(0, dot)}_vrrp${full.slice(dot)}` : `${full}_vrrp`;
}

export function createLogger(opts: LogOptions): Logger {
  const level = opts.detail ? "debug" : "info";
  if (opts.destination) return pino({ level, base: { pid: process.pid } }, opts.destination);
  const streams: StreamEntry[] = [];
  if (opts.json) {
    const out = pino.destination({ dest: 1, sync: true });
    streams.push({ level: "debug", stream: { write: (s: string) => out.write(machineJson(s)) } });
  }
  if (opts.console)
    streams.push({
      level: "debug",
      stream: {
        write: (s: string) => {
          const o = parse(s);
          if (o) process.stderr.write(`${consoleTimestamp(new Date(Number(o.time)))}: ${keepalivedText(o)}\n`);
        },
      },
    });
  if (opts.syslogFacility !== undefined) {
    try {
      const n = nativeHelper();
      n.openlog(opts.syslogIdent ?? "Keepalived_vrrp", opts.syslogFacility);
      streams.push({
        level: "debug",
        stream: {
          write: (s: string) => {
            const o = parse(s);
            if (o) n.syslog(SYSLOG_PRIORITY[Number(o.level)] ?? 6, keepalivedText(o));
          },
        },
      });
    } catch (e) {
      process.stderr.write(`tsvrrpd: syslog unavailable (${errorFields(e).err}); not logging to syslog\n`);
    }
  }
  if (opts.file) {
    const path = vrrpLogFileName(opts.file);
    try {
      // keepalived open_log_file: fopen_safe (safe-open.ts), append, non-blocking.
      const fd = openForAppend(path);
      streams.push({
        level: "debug",
        stream: {
          write: (s: string) => {
            const o = parse(s);
            if (!o) return;
            try {
              writeSync(fd, `${fileTimestamp(new Date(Number(o.time)))}: ${keepalivedText(o)}\n`);
            } catch {
              /* a full disk must not stop the daemon */
            }
          },
        },
      });
      process.once("exit", () => closeSync(fd));
    } catch (e) {
      process.stderr.write(`tsvrrpd: cannot open log file ${path} (${errorFields(e).err}); not logging to it\n`);
    }
  }
  return pino({ level, base: { pid: process.pid } }, pino.multistream(streams, { dedupe: false }));
}
