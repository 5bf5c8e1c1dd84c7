// Logging through pino: JSON lines by default; with -l on a terminal, one readable line per event.
import { pino, type Logger as PinoLogger, type DestinationStream } from "pino";

export type Logger = PinoLogger;

export interface LogOptions {
  readonly console: boolean;
  readonly detail: boolean;
  readonly destination?: DestinationStream;
}

const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
const SKIP = new Set(["level", "time", "msg", "pid", "hostname", "instance"]);

/** Formats a pino JSON line as `time LEVEL (instance) msg key=value ...`. */
export function readableLine(json: string): string {
  try {
    const o = JSON.parse(json) as Record<string, unknown>;
    const t = new Date(Number(o.time)).toISOString().slice(11, 23);
    const inst = o.instance ? `(${String(o.instance)}) ` : "";
    const rest = Object.entries(o)
      .filter(([k]) => !SKIP.has(k))
      .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join(" ");
    return `${t} ${LEVELS[Number(o.level)] ?? o.level} ${inst}${String(o.msg ?? "")}${rest ? " " + rest : ""}\n`;
  } catch {
    return json;
  }
}

export function createLogger(opts: LogOptions): Logger {
  const level = opts.detail ? "debug" : "info";
  if (opts.destination) return pino({ level, base: { pid: process.pid } }, opts.destination);
  if (opts.console && process.stdout.isTTY) {
    const dest: DestinationStream = { write: (s: string) => void process.stdout.write(readableLine(s)) };
    return pino({ level, base: undefined }, dest);
  }
  return pino({ level, base: { pid: process.pid } }, pino.destination({ dest: 1, sync: true }));
}
