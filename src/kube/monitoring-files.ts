// deploy/monitoring/*.yaml as generated from src/kube/monitoring.ts (a test checks the checked-in
// files are current): `node dist/kube/monitoring-files.js` rewrites them.
import { writeFileSync } from "node:fs";
import { podMonitor, prometheusRule } from "./monitoring.js";
import { renderYaml } from "./render.js";

const META = { name: "tsvrrpd", namespace: "kube-system", labels: { "app.kubernetes.io/name": "tsvrrpd" } };

export function monitoringFiles(): Record<string, string> {
  const header = "Generated from src/kube/monitoring.ts (tsvrrpd manifest emits the same); do not edit.";
  return {
    "prometheus-rule.yaml": renderYaml([prometheusRule(META)], header),
    "pod-monitor.yaml": renderYaml([podMonitor(META, { "app.kubernetes.io/name": "tsvrrpd" })], header),
  };
}

if (import.meta.url === `file://${process.argv[1]}`)
  for (const [name, text] of Object.entries(monitoringFiles()))
    writeFileSync(new URL(`../../deploy/monitoring/${name}`, import.meta.url), text);
