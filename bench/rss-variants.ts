// Where a running daemon's memory goes and what Node's own knobs change (issue 17): a pair of
// daemons with N VRRPv3 instances at 0.1 s (master and backup), run under each variant of node
// flags and environment; after a warm-up, RSS split by /proc/PID/smaps into the node binary's
// pages, other files, malloc's brk heap and anonymous mappings (V8's heap, malloc arenas,
// stacks), and CPU over the window. Variants come from BENCH_VARIANTS (name=ENV... -- flags).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Lab, waitFor } from "../lab/netns.js";
import { scaleConf } from "../lab/scale-conf.js";
import { cpuTicks, shebangFlags, table, writeResult } from "./common.js";

const BIN = fileURLToPath(new URL("../../bin/tsvrrpd", import.meta.url));
const N = Number(process.env.BENCH_INSTANCES ?? 255);
const WARM_S = Number(process.env.BENCH_WARM ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const SCRIPTS = process.env.BENCH_SCRIPTS === "1"; // one /bin/true check per instance each second
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Variant {
  name: string;
  env: Record<string, string>;
  flags: string[];
}

// Each variant is the whole node command line before the script; the shipped one is
// bin/tsvrrpd's shebang.
const SHIPPED = shebangFlags();
const DEFAULT_VARIANTS: Variant[] = [
  { name: "--max-semi-space-size=1 (before)", env: {}, flags: ["--max-semi-space-size=1"] },
  { name: "shipped", env: {}, flags: SHIPPED },
  { name: "shipped, MALLOC_ARENA_MAX=2", env: { MALLOC_ARENA_MAX: "2" }, flags: SHIPPED },
  { name: "shipped, --max-opt=2 (no TurboFan)", env: {}, flags: [...SHIPPED, "--max-opt=2"] },
  { name: "shipped, --lite-mode", env: {}, flags: [...SHIPPED, "--lite-mode"] },
];

function parseVariants(spec: string | undefined): Variant[] {
  if (!spec) return DEFAULT_VARIANTS;
  // "name:ENV=1,--flag;name2:--flag2" (whole command lines)
  return spec.split(";").map((v) => {
    const [name, rest = ""] = v.split(":");
    const parts = rest.split(",").filter(Boolean);
    const env = Object.fromEntries(parts.filter((p) => !p.startsWith("-")).map((p) => p.split("=") as [string, string]));
    return { name: name!, env, flags: parts.filter((p) => p.startsWith("-")) };
  });
}

interface Split {
  rss: number;
  binary: number;
  files: number;
  brk: number;
  anon: number;
}

function smapsSplit(pid: number): Split {
  const out: Split = { rss: 0, binary: 0, files: 0, brk: 0, anon: 0 };
  let kind: keyof Split = "anon";
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const path = head[1]!;
      kind =
        path === "" || path.startsWith("[anon") || path === "[stack]"
          ? "anon"
          : path === "[heap]"
            ? "brk"
            : path.endsWith("/node")
              ? "binary"
              : "files";
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) {
      out[kind] += Number(rss[1]) / 1024;
      out.rss += Number(rss[1]) / 1024;
    }
  }
  return out;
}

function pidOf(file: string): number {
  try {
    return Number(readFileSync(file, "utf8")) || 0;
  } catch {
    return 0;
  }
}

async function measure(lab: Lab, v: Variant, tag: string) {
  const run = (r: string, prio: number, state: "MASTER" | "BACKUP") => {
    const file = join(lab.dir, `${r}-${tag}.conf`);
    writeFileSync(file, scaleConf({ instances: N, priority: prio, state, scripts: SCRIPTS }));
    const pidFile = join(lab.dir, `${r}-${tag}.pid`);
    const envArgs = Object.entries(v.env).map(([k, val]) => `${k}=${val}`);
    lab.spawn(r, "env", [...envArgs, process.execPath, ...v.flags, BIN, "-n", "-f", file, "-p", pidFile, "--control", `${pidFile}.sock`], {
      stdio: "ignore",
    });
    return pidFile;
  };
  const mPid = run("m", 200, "MASTER");
  await waitFor("m masters everything", () => lab.addresses("m").filter((a) => a.endsWith("/32")).length === N, 30_000, 100);
  const sPid = run("s", 100, "BACKUP");
  await waitFor("s started", () => pidOf(sPid) > 0, 15_000);
  await sleep(WARM_S * 1000);
  const m = pidOf(mPid);
  const s = pidOf(sPid);
  const c0 = [cpuTicks(m), cpuTicks(s)];
  const t0 = Date.now();
  await sleep(SECONDS * 1000);
  const c1 = [cpuTicks(m), cpuTicks(s)];
  const wall = (Date.now() - t0) / 1000;
  const master = smapsSplit(m);
  const backup = smapsSplit(s);
  lab.killAll("m", "SIGKILL");
  lab.killAll("s", "SIGKILL");
  for (const r of ["m", "s"]) lab.exec(r, "ip", ["addr", "flush", "dev", "eth0", "scope", "global", "to", "198.51.100.0/24"], true);
  for (const r of ["m", "s"]) lab.exec(r, "ip", ["addr", "flush", "dev", "eth0", "scope", "global", "to", "203.0.113.0/24"], true);
  await sleep(500);
  return {
    variant: v.name,
    masterCpuPct: ((c1[0]! - c0[0]!) / 100 / wall) * 100,
    backupCpuPct: ((c1[1]! - c0[1]!) / 100 / wall) * 100,
    master,
    backup,
  };
}

async function main(): Promise<void> {
  const lab = new Lab("brv");
  process.on("SIGINT", () => void lab.destroy().then(() => process.exit(130)));
  const results: Awaited<ReturnType<typeof measure>>[] = [];
  const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
  try {
    lab.create([
      { name: "m", v4: "192.0.2.11/24" },
      { name: "s", v4: "192.0.2.12/24" },
    ]);
    // Rounds interleave the variants so a slow spell of the host does not land on one of them.
    for (let round = 0; round < rounds; round++)
      for (const [i, v] of parseVariants(process.env.BENCH_VARIANTS).entries()) {
        const r = await measure(lab, v, `${round}-${i}`);
        results.push(r);
        console.error(
          `${v.name}: master ${r.master.rss.toFixed(1)} MiB (binary ${r.master.binary.toFixed(1)}, files ${r.master.files.toFixed(1)}, brk ${r.master.brk.toFixed(1)}, anon ${r.master.anon.toFixed(1)}) ${r.masterCpuPct.toFixed(1)} % CPU; backup ${r.backup.rss.toFixed(1)} MiB ${r.backupCpuPct.toFixed(1)} %`,
        );
      }
  } finally {
    await lab.destroy();
  }
  const rows: (string | number)[][] = [
    ["variant", "master RSS MiB", "binary", "other files", "brk", "anon", "master CPU %", "backup RSS MiB", "backup CPU %"],
  ];
  for (const r of results)
    rows.push([
      r.variant,
      r.master.rss,
      r.master.binary,
      r.master.files,
      r.master.brk,
      r.master.anon,
      r.masterCpuPct,
      r.backup.rss,
      r.backupCpuPct,
    ]);
  console.log(table(rows));
  console.log(
    `\nwritten ${writeResult(SCRIPTS ? "rss-variants-checks" : "rss-variants", { instances: N, checksPerSecond: SCRIPTS ? N : 0, warmSeconds: WARM_S, seconds: SECONDS, shipped: SHIPPED, results })}`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
