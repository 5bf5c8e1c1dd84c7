// Shared by the benches: machine facts, stats, result files, table printing.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, hostname, release, totalmem } from "node:os";
import { join } from "node:path";

export const RESULTS = new URL("./results/", import.meta.url).pathname.replace("/dist-bench/bench/", "/bench/");

/**
 * The host a result was measured on, in one line: BENCH_HOST if the operator names it (e.g. "2-vCPU EPYC VM,
 * shared"), otherwise the host name, kernel, CPU model, cores and memory. docs/benchmarks.md prints it per table.
 */
export function hostDescription(): string {
  const named = process.env.BENCH_HOST?.trim();
  if (named) return named;
  const cpu = cpus();
  return `${hostname()}: Linux ${release()}, ${cpu[0]?.model ?? "unknown CPU"} x ${cpu.length}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
}

export function machine(): Record<string, unknown> {
  // keepalived -v prints its version on stderr
  const r = spawnSync("keepalived", ["-v"], { encoding: "utf8" });
  const keepalived = `${r.stdout ?? ""}${r.stderr ?? ""}`.split("\n")[0] || "not installed";
  return {
    host: hostDescription(),
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    keepalived,
  };
}

export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

export interface Summary {
  n: number;
  median: number;
  p25: number;
  p75: number;
  p99: number;
  max: number;
  min: number;
}

export function summary(xs: readonly number[]): Summary {
  return {
    n: xs.length,
    median: quantile(xs, 0.5),
    p25: quantile(xs, 0.25),
    p75: quantile(xs, 0.75),
    p99: quantile(xs, 0.99),
    // A loop, not Math.max(...xs): a 1,020-instance capture has ~600,000 deviations, past the stack.
    max: xs.reduce((m, x) => (x > m ? x : m), -Infinity),
    min: xs.reduce((m, x) => (x < m ? x : m), Infinity),
  };
}

export function writeResult(name: string, data: unknown): string {
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `${name}.json`);
  writeFileSync(file, JSON.stringify({ machine: machine(), ...(data as object) }, null, 2) + "\n");
  return file;
}

export function table(rows: (string | number)[][]): string {
  const str = rows.map((r) => r.map((c) => (typeof c === "number" ? (Number.isInteger(c) ? String(c) : c.toFixed(c < 10 ? 3 : 1)) : c)));
  const w = str[0]!.map((_, i) => Math.max(...str.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(w[i]!)).join(" | ")} |`;
  return [line(str[0]!), `|${w.map((x) => "-".repeat(x + 2)).join("|")}|`, ...str.slice(1).map(line)].join("\n");
}

/** User + system CPU of a process so far, in clock ticks (USER_HZ, 100 a second). */
export function cpuTicks(pid: number | string): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return Number(f[11]) + Number(f[12]);
}

/** The Node flags the daemon runs with: those of bin/tsvrrpd's shebang (the .deb and the image copy them). */
export function shebangFlags(bin = new URL("../../bin/tsvrrpd", import.meta.url).pathname): string[] {
  const first = readFileSync(bin, "utf8").split("\n")[0]!;
  return first.split(/\s+/).filter((w) => w.startsWith("--"));
}
