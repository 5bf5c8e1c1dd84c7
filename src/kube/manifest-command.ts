// `tsvrrpd manifest [daemonset|deployment] [OPTION...]`: prints the Kubernetes objects on stdout.
import { readFileSync } from "node:fs";
import { DEFAULTS, type ManifestOptions, type MetricsBind } from "./manifest.js";
import { manifestObjects } from "./manifest.js";
import { renderYaml } from "./render.js";
import { asksHelp, usageLine } from "../cli-usage.js";
import { errorFields, errorCode } from "../error-fields.js";

export const MANIFEST_USAGE = `usage: tsvrrpd manifest [daemonset|deployment] [OPTION...]
Prints the Kubernetes objects that run tsvrrpd (ServiceAccount, ConfigMap, DaemonSet or Deployment,
and with --metrics=pod-ip a PodMonitor and a PrometheusRule for prometheus-operator) as YAML on
stdout, for \`kubectl apply -f -\`. Changes nothing.
      --mode=conf|openshift   conf: keepalived.conf from a ConfigMap, reloaded on change (default);
                              openshift: OPENSHIFT_HA_* variables (keepalived-ipfailover's model)
      --kind=daemonset|deployment   (default daemonset; also the first word)
      --name=NAME             object names (default ${DEFAULTS.name})
      --namespace=NS          (default ${DEFAULTS.namespace})
      --image=IMAGE           (default ${DEFAULTS.image})
      --node-selector=K=V     schedule on nodes with this label (repeatable; default
                              tsvrrpd.io/enabled=true; --node-selector=none: every node)
      --replicas=N            Deployment replicas (default ${DEFAULTS.replicas})
      --config=FILE           keepalived.conf for the ConfigMap (default: an example)
      --auth-secret=NAME      mount Secret NAME (optional) for includes such as auth_pass
      --metrics=off|pod-ip|loopback   where /metrics listens (default off)
      --metrics-port=PORT     (default ${DEFAULTS.metricsPort})
      --segment=NAME          the L2 segment label of these pods (the alerts group VRIDs by it)
      --env=NAME=VALUE        openshift mode: an OPENSHIFT_HA_* variable (repeatable)
  -h, --help                  this text
`;

class ManifestUsage extends Error {}

export function parseManifestArgs(args: readonly string[]): ManifestOptions | "help" {
  const o: { -readonly [K in keyof ManifestOptions]: ManifestOptions[K] } = {
    ...DEFAULTS,
    nodeSelector: { ...DEFAULTS.nodeSelector },
    env: {},
  };
  let selectorGiven = false;
  if (asksHelp(args)) return "help";
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (i === 0 && (a === "daemonset" || a === "deployment")) {
      o.kind = a;
      continue;
    }
    const m = /^(--[a-z-]+)(?:=(.*))?$/s.exec(a);
    if (!m) throw new ManifestUsage(`unexpected argument ${JSON.stringify(a)}`);
    const flag = m[1]!;
    const value = (): string => {
      const v = m[2] ?? args[++i];
      if (v === undefined) throw new ManifestUsage(`${flag} needs a value`);
      return v;
    };
    const oneOf = <T extends string>(v: string, allowed: readonly T[]): T => {
      if (!(allowed as readonly string[]).includes(v))
        throw new ManifestUsage(`${flag}: ${JSON.stringify(v)} is not one of ${allowed.join(", ")}`);
      return v as T;
    };
    const pair = (v: string): [string, string] => {
      const eq = v.indexOf("=");
      if (eq <= 0) throw new ManifestUsage(`${flag}: expected KEY=VALUE, got ${JSON.stringify(v)}`);
      return [v.slice(0, eq), v.slice(eq + 1)];
    };
    switch (flag) {
      case "--mode":
        o.mode = oneOf(value(), ["conf", "openshift"] as const);
        break;
      case "--kind":
        o.kind = oneOf(value(), ["daemonset", "deployment"] as const);
        break;
      case "--name":
      case "--namespace": {
        const v = value();
        if (!/^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$/.test(v))
          throw new ManifestUsage(`${flag}: ${JSON.stringify(v)} is not a Kubernetes name (lower case, digits, '-')`);
        if (flag === "--name") o.name = v;
        else o.namespace = v;
        break;
      }
      case "--image":
        o.image = value();
        break;
      case "--node-selector": {
        const v = value();
        if (!selectorGiven) o.nodeSelector = {};
        selectorGiven = true;
        if (v === "none") break;
        const [k, val] = pair(v);
        o.nodeSelector = { ...o.nodeSelector, [k]: val };
        break;
      }
      case "--replicas": {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 255)
          throw new ManifestUsage(`--replicas: expected 1..255, got ${JSON.stringify(v)}`);
        o.replicas = Number(v);
        break;
      }
      case "--config": {
        const f = value();
        try {
          o.config = readFileSync(f, "utf8");
        } catch (e) {
          throw new ManifestUsage(`--config: cannot read ${f}: ${errorCode(e) ?? errorFields(e).err}`);
        }
        break;
      }
      case "--auth-secret":
        o.authSecret = value();
        break;
      case "--metrics":
        o.metrics = oneOf<MetricsBind>(value(), ["off", "pod-ip", "loopback"]);
        break;
      case "--metrics-port": {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535)
          throw new ManifestUsage(`--metrics-port: expected 1..65535, got ${JSON.stringify(v)}`);
        o.metricsPort = Number(v);
        break;
      }
      case "--segment":
        o.segment = value();
        break;
      case "--env": {
        const [k, v] = pair(value());
        o.env = { ...o.env, [k]: v };
        break;
      }
      default:
        throw new ManifestUsage(`Unknown option ${flag}`);
    }
  }
  if (o.mode === "openshift" && (o.config !== undefined || o.authSecret !== undefined))
    throw new ManifestUsage("--config and --auth-secret are for --mode=conf; OpenShift mode renders keepalived.conf from --env");
  if (o.mode === "conf" && Object.keys(o.env).length) throw new ManifestUsage("--env is for --mode=openshift");
  return o;
}

/** The command line a set of options came from, for the generated files' header. */
export function manifestCommand(args: readonly string[]): string {
  return ["tsvrrpd manifest", ...args].join(" ");
}

export function manifestText(args: readonly string[]): string {
  const o = parseManifestArgs(args);
  if (o === "help") return MANIFEST_USAGE;
  return renderYaml(manifestObjects(o), `Generated by: ${manifestCommand(args)}`);
}

export function manifestMain(args: readonly string[]): number {
  try {
    process.stdout.write(manifestText(args));
    return 0;
  } catch (e) {
    if (!(e instanceof ManifestUsage)) throw e;
    process.stderr.write(usageLine("manifest", e.message));
    return 2;
  }
}
