// `tsvrrpd check-cluster PATH... [--json]`: PATH is a keepalived.conf, a directory of *.conf files,
// or an OpenShift env file with the node addresses it runs on (`nodes.env@192.0.2.11,192.0.2.12`),
// rendered through the OpenShift mode as each node would. Exit 0 clean, 1 warnings, 2 errors.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { formatDiagnostic, type Location } from "../config/errors.js";
import { loadKeepalivedConf } from "../config/keepalived-conf.js";
import { parseEnvFile, planFromEnv } from "../config/openshift-env.js";
import { errorFields } from "../error-fields.js";
import { prng } from "../sim/clock.js";
import { checkCluster, type Finding, type HostConfig } from "./check.js";

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
      for (const d of diagnostics.filter((x) => x.severity === "error")) bad(file, d.where, formatDiagnostic(d));
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
  const json = args.includes("--json");
  const paths = args.filter((a) => a !== "--json");
  if (paths.length === 0) {
    process.stderr.write(
      "usage: tsvrrpd check-cluster PATH... [--json]   (PATH: keepalived.conf, a directory of *.conf, or FILE.env@NODE[,NODE...])\n",
    );
    return 2;
  }
  const { hosts, problems } = loadHosts(paths);
  const findings = [...problems, ...checkCluster(hosts)];
  if (json)
    process.stdout.write(JSON.stringify({ hosts: hosts.map((h) => h.host), findings, exitCode: exitCode(findings) }, null, 2) + "\n");
  else process.stdout.write(formatFindings(findings, hosts.length));
  return exitCode(findings);
}
