// `tsvrrpd check-cluster PATH... [--json]`: PATH is a keepalived.conf, a directory of *.conf files,
// or an OpenShift env file with the node addresses it runs on (`nodes.env@192.0.2.11,192.0.2.12`),
// rendered through the OpenShift mode as each node would. Exit 0 clean, 1 warnings, 2 errors.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Location } from "../config/errors.js";
import { loadKeepalivedConf } from "../config/keepalived-conf.js";
import { parseEnvFile, planFromEnv } from "../config/openshift-env.js";
import { errorFields } from "../error-fields.js";
import { prng } from "../sim/clock.js";
import { checkCluster, type Finding, type HostConfig } from "./check.js";
import { asksHelp, CommandUsageError, usageLine } from "../cli-usage.js";

export const CHECK_CLUSTER_USAGE = `usage: tsvrrpd check-cluster PATH... [--json]
Checks the keepalived.conf files of one cluster against each other. Exit 0 clean, 1 warnings,
2 errors (also a usage error).
  PATH        a keepalived.conf, a directory of *.conf, or FILE.env@NODE[,NODE...] (OpenShift)
  --json      the findings as JSON
  -h, --help  this text
`;

/** "help" for --help anywhere; PATHs and --json otherwise (a CommandUsageError for anything else). */
export function parseCheckClusterArgs(args: readonly string[]): { json: boolean; paths: string[] } | "help" {
  if (asksHelp(args)) return "help";
  let json = false;
  const paths: string[] = [];
  for (const a of args) {
    if (a === "--json") json = true;
    else if (a.startsWith("-")) throw new CommandUsageError(`Unknown option ${a}`);
    else paths.push(a);
  }
  if (paths.length === 0) throw new CommandUsageError("need at least one PATH");
  return { json, paths };
}

export interface LoadResult {
  readonly hosts: HostConfig[];
  /** Files that could not be read or have configuration errors: reported as errors. */
  readonly problems: Finding[];
}

export function loadHosts(paths: readonly string[]): LoadResult {
  const hosts: HostConfig[] = [];
  const problems: Finding[] = [];
  const bad = (host: string, at: Location, message: string) =>
    problems.push({ severity: "error", code: "CONFIG_ERROR", message: `${host}: ${message}`, where: [{ host, at }] });
  for (const p of paths) {
    const env = /^(.*\.env)@(.+)$/.exec(p);
    if (env) {
      let vars: Record<string, string>;
      try {
        vars = parseEnvFile(readFileSync(env[1]!, "utf8"));
      } catch (e) {
        bad(p, { file: env[1]!, line: 0 }, `cannot read: ${errorFields(e).err}`);
        continue;
      }
      for (const node of env[2]!.split(",").filter(Boolean)) {
        const host = `${env[1]}@${node}`;
        try {
          // Backup priorities have a random part in the image; a fixed seed keeps the check repeatable.
          const plan = planFromEnv(vars, { interfaceExists: () => true, ipv4Of: () => node, defaultRouteInterface: () => "eth0" }, prng(7));
          hosts.push({ host, config: plan.config, address: node });
        } catch (e) {
          bad(host, { file: env[1]!, line: 0 }, errorFields(e).err);
        }
      }
      continue;
    }
    let files: string[];
    try {
      files = statSync(p).isDirectory()
        ? readdirSync(p)
            .filter((f) => f.endsWith(".conf"))
            .sort()
            .map((f) => join(p, f))
        : [p];
    } catch (e) {
      bad(p, { file: p, line: 0 }, `cannot read: ${errorFields(e).err}`);
      continue;
    }
    for (const file of files) {
      const { config, diagnostics } = loadKeepalivedConf(file);
      for (const d of diagnostics.filter((x) => x.severity === "error"))
        problems.push({
          severity: "error",
          code: "CONFIG_ERROR",
          message: `${d.where.file}:${d.where.line}: ${d.message}`,
          where: [{ host: file, at: d.where }],
        });
      const src = config.instances.find((i) => i.unicastSrcIp)?.unicastSrcIp;
      hosts.push({ host: file, config, ...(src ? { address: src } : {}) });
    }
  }
  return { hosts, problems };
}

export function formatFindings(findings: readonly Finding[], hostCount: number): string {
  const lines: string[] = [];
  for (const f of findings) {
    lines.push(`${f.severity} ${f.code}: ${f.message}`);
    for (const w of f.where) lines.push(`    ${w.at.file}:${w.at.line}${w.host !== w.at.file ? ` (${w.host})` : ""}`);
  }
  const errors = findings.filter((f) => f.severity === "error").length;
  const warnings = findings.length - errors;
  lines.push(`${errors} error(s), ${warnings} warning(s) across ${hostCount} host(s)`);
  return lines.join("\n") + "\n";
}

export function exitCode(findings: readonly Finding[]): number {
  return findings.some((f) => f.severity === "error") ? 2 : findings.length > 0 ? 1 : 0;
}

export function checkClusterCommand(args: readonly string[]): number {
  let parsed: ReturnType<typeof parseCheckClusterArgs>;
  try {
    parsed = parseCheckClusterArgs(args);
  } catch (e) {
    process.stderr.write(usageLine("check-cluster", errorFields(e).err));
    return 2;
  }
  if (parsed === "help") {
    process.stdout.write(CHECK_CLUSTER_USAGE);
    return 0;
  }
  const { json, paths } = parsed;
  const { hosts, problems } = loadHosts(paths);
  const findings = [...problems, ...checkCluster(hosts)];
  if (json)
    process.stdout.write(JSON.stringify({ hosts: hosts.map((h) => h.host), findings, exitCode: exitCode(findings) }, null, 2) + "\n");
  else process.stdout.write(formatFindings(findings, hosts.length));
  return exitCode(findings);
}
