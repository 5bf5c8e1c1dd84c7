// The memory floor under tsvrrpd (issue 17): RSS of a Node process that only loads a module, for
// bare Node, each heavy dependency and tsvrrpd's own entry points, and how much of it is the
// node binary's resident pages (file-backed) rather than heap. The median of RUNS fresh processes
// each. Results: bench/results/rss-floor.json.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { shebangFlags, table, writeResult } from "./common.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const CASES: [string, string][] = [
  ["bare node", ""],
  ["pino", "require('pino')"],
  ["netlink", "require('netlink')"],
  ["ip-address", "require('ip-address')"],
  ["tsvrrpd addon (native/, raw and packet sockets)", "require(process.cwd() + '/native/build/Release/tsvrrpd_native.node')"],
  ["prom-client", "require('prom-client')"],
  ["net-snmp", "require('net-snmp')"],
  ["tsvrrpd runtime (dist/daemon/runtime.js)", "await import(process.cwd() + '/dist/daemon/runtime.js')"],
  ["tsvrrpd CLI (dist/cli.js)", "await import(process.cwd() + '/dist/cli.js')"],
];

function sample(code: string): { rss: number; anon: number; file: number } {
  const script = `(async () => { ${code}; const s = require('fs').readFileSync('/proc/self/status', 'utf8'); const g = (k) => Number(new RegExp(k + ':\\\\s+(\\\\d+)').exec(s)[1]); console.log(JSON.stringify({ rss: g('VmRSS'), anon: g('RssAnon'), file: g('RssFile') })); })()`;
  const r = spawnSync(process.execPath, [...shebangFlags(), "-e", script], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 30_000,
  });
  return JSON.parse(r.stdout) as { rss: number; anon: number; file: number };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const results: Record<string, { rssMiB: number; anonMiB: number; fileMiB: number }> = {};
const rows: (string | number)[][] = [["loaded", "RSS MiB", "anon MiB", "file-backed MiB"]];
for (const [label, code] of CASES) {
  const s = Array.from({ length: RUNS }, () => sample(code));
  const r = {
    rssMiB: median(s.map((x) => x.rss)) / 1024,
    anonMiB: median(s.map((x) => x.anon)) / 1024,
    fileMiB: median(s.map((x) => x.file)) / 1024,
  };
  results[label] = r;
  rows.push([label, r.rssMiB.toFixed(1), r.anonMiB.toFixed(1), r.fileMiB.toFixed(1)]);
}
console.log(table(rows));
console.log(`written ${writeResult("rss-floor", { runs: RUNS, results })}`);
