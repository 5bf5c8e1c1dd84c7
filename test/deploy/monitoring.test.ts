// deploy/monitoring/: the PrometheusRule and PodMonitor are what src/kube/monitoring.ts generates,
// validate against prometheus-operator's schema, pass `promtool check rules` and the promtool unit
// tests in alerts.promtool.yaml (each alert firing and not firing); the Grafana dashboard and the
// rules only name metrics the daemon exports.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments, stringify } from "yaml";
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { metricsRegistry, STATE_CODE } from "../../src/operator/metrics.js";
import { EMPTY_SOURCE } from "../../src/operator/metrics-doc.js";
import { monitoringFiles } from "../../src/kube/monitoring-files.js";
import { ALERT_RULES } from "../../src/kube/monitoring.js";
import { manifestText } from "../../src/kube/manifest-command.js";

const dir = (f: string) => new URL(`../../deploy/monitoring/${f}`, import.meta.url);
const tmp = mkdtempSync(join(tmpdir(), "tsvrrpd-promtool-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every series name /metrics can carry, histograms' _bucket, _count and _sum included. */
async function exported(): Promise<Set<string>> {
  const out = new Set<string>();
  for (const m of await metricsRegistry(EMPTY_SOURCE, { version: "0" }).getMetricsAsJSON()) {
    out.add(m.name);
    if (String(m.type) === "histogram") for (const s of ["_bucket", "_count", "_sum"]) out.add(m.name + s);
  }
  return out;
}

/** Labels Prometheus adds to every scraped series: job and instance, and the PodMonitor's relabelings. */
const TARGET_LABELS = ["job", "instance", "node", "segment"];

/** Each series name /metrics can carry -> its label names (a histogram's _bucket adds le). */
async function exportedLabels(): Promise<Map<string, Set<string>>> {
  const r = metricsRegistry(EMPTY_SOURCE, { version: "0" });
  const labels = new Map(
    r.getMetricsAsArray().map((m) => {
      const { name, labelNames = [] } = m as unknown as { name: string; labelNames?: string[] };
      return [name, labelNames] as const;
    }),
  );
  const out = new Map<string, Set<string>>();
  for (const { name, type } of await r.getMetricsAsJSON()) {
    const own = labels.get(name) ?? [];
    out.set(name, new Set(own));
    if (String(type) === "histogram") {
      out.set(`${name}_bucket`, new Set([...own, "le"]));
      for (const s of ["_count", "_sum"]) out.set(name + s, new Set(own));
    }
  }
  return out;
}

/** The label names an expression groups by, matches on or selects with (Grafana variables like $job are values, not labels). */
export function labelNames(expr: string): string[] {
  const out = new Set<string>();
  const bare = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  for (const m of bare.matchAll(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g))
    for (const l of m[1]!.split(",")) if (l.trim()) out.add(l.trim());
  for (const m of bare.matchAll(/\{([^}]*)\}/g)) for (const mm of m[1]!.matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)) out.add(mm[1]!);
  return [...out];
}

const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "and",
  "or",
  "unless",
  "bool",
  "offset",
  "inf",
  "nan",
]);

/** The metric names a PromQL expression selects (label matchers, ranges, strings and groupings removed). */
export function metricNames(expr: string): string[] {
  const lv = /^label_values\(\s*([A-Za-z_:][\w:]*)\s*,/.exec(expr.trim());
  if (lv) return [lv[1]!];
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  return [...bare.matchAll(/([A-Za-z_:][\w:]*)\s*(\()?/g)].filter((m) => !m[2] && !KEYWORDS.has(m[1]!.toLowerCase())).map((m) => m[1]!);
}

describe("deploy/monitoring", () => {
  it("the checked-in PrometheusRule and PodMonitor are what src/kube/monitoring.ts generates", () => {
    for (const [name, text] of Object.entries(monitoringFiles())) expect(readFileSync(dir(name), "utf8"), name).toBe(text);
  });

  it("validate against prometheus-operator's schema", () => {
    const rule = parse(readFileSync(dir("prometheus-rule.yaml"), "utf8")) as never;
    expect(() => new PrometheusRule(rule).validate()).not.toThrow();
    const mon = parse(readFileSync(dir("pod-monitor.yaml"), "utf8")) as never;
    expect(() => new PodMonitor(mon).validate()).not.toThrow();
    const bad = structuredClone(rule) as { spec: { groups: { rules: { expr: unknown }[] }[] } };
    bad.spec.groups[0]!.rules[0]!.expr = { not: "a string" };
    expect(() => new PrometheusRule(bad as never).validate()).toThrow();
  });

  it("promtool check rules, and promtool test rules: every alert fires on its series and stays quiet on the others", () => {
    const rule = parse(readFileSync(dir("prometheus-rule.yaml"), "utf8")) as { spec: object };
    writeFileSync(join(tmp, "rules.yaml"), stringify(rule.spec));
    copyFileSync(new URL("alerts.promtool.yaml", import.meta.url), join(tmp, "alerts.promtool.yaml"));
    const check = spawnSync("promtool", ["check", "rules", "rules.yaml"], { cwd: tmp, encoding: "utf8", timeout: 60_000 });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain(`SUCCESS: ${ALERT_RULES.length} rules found`);
    const test = spawnSync("promtool", ["test", "rules", "alerts.promtool.yaml"], { cwd: tmp, encoding: "utf8", timeout: 60_000 });
    expect(test.status, test.stdout + test.stderr).toBe(0);
    // Every alert has a firing case and a quiet one in the unit tests.
    const tests = parse(readFileSync(join(tmp, "alerts.promtool.yaml"), "utf8")) as {
      tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const cases = tests.tests.flatMap((t) => t.alert_rule_test);
    for (const r of ALERT_RULES) {
      expect(
        cases.some((c) => c.alertname === r.alert && c.exp_alerts.length > 0),
        `${r.alert} fires somewhere`,
      ).toBe(true);
      expect(
        cases.some((c) => c.alertname === r.alert && c.exp_alerts.length === 0),
        `${r.alert} quiet somewhere`,
      ).toBe(true);
    }
  });

  it("the PrometheusRule `tsvrrpd manifest --metrics=pod-ip` generates (its job: NAMESPACE/NAME) passes promtool check rules and the same unit tests", () => {
    const rule = parseAllDocuments(manifestText(["--metrics=pod-ip"]))
      .map((d) => d.toJSON() as { kind: string; spec: { groups: { rules: { alert: string; expr: string }[] }[] } })
      .find((d) => d.kind === "PrometheusRule")!;
    expect(rule.spec.groups[0]!.rules.find((r) => r.alert === "TsvrrpdDown")!.expr).toBe('up{job="kube-system/tsvrrpd"} == 0');
    writeFileSync(join(tmp, "rules.yaml"), stringify(rule.spec));
    copyFileSync(new URL("alerts.promtool.yaml", import.meta.url), join(tmp, "alerts.promtool.yaml"));
    const check = spawnSync("promtool", ["check", "rules", "rules.yaml"], { cwd: tmp, encoding: "utf8", timeout: 60_000 });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const test = spawnSync("promtool", ["test", "rules", "alerts.promtool.yaml"], { cwd: tmp, encoding: "utf8", timeout: 60_000 });
    expect(test.status, test.stdout + test.stderr).toBe(0);
  });

  it("a rule that is wrong fails promtool's unit tests (the tests can fail)", () => {
    const wrong: [string, (expr: string) => string][] = [
      // Split brain grouped by VRID alone: IPv4 and IPv6 masters of one VRID, or masters on two segments, would fire.
      ["VRRPSplitBrain", (e) => e.replace("by (vrid, family, segment)", "by (vrid)")],
      // No master, with the labels kept but a MASTER of the VRID on another segment or family masking it.
      ["VRRPNoMaster", (e) => `${e} unless on (vrid) (max by (vrid) (vrrp_instance_state == bool 2) == 1)`],
    ];
    for (const [alert, mutate] of wrong) {
      const rule = parse(readFileSync(dir("prometheus-rule.yaml"), "utf8")) as {
        spec: { groups: { rules: { alert: string; expr: string }[] }[] };
      };
      const r = rule.spec.groups[0]!.rules.find((x) => x.alert === alert)!;
      r.expr = mutate(r.expr);
      writeFileSync(join(tmp, "rules.yaml"), stringify(rule.spec));
      copyFileSync(new URL("alerts.promtool.yaml", import.meta.url), join(tmp, "alerts.promtool.yaml"));
      const test = spawnSync("promtool", ["test", "rules", "alerts.promtool.yaml"], { cwd: tmp, encoding: "utf8", timeout: 60_000 });
      expect(test.status, `${alert}: ${r.expr}`).not.toBe(0);
      expect(test.stdout + test.stderr).toContain(`alertname: ${alert}`);
    }
  });

  it("every expression in the Grafana dashboard and the rules names metrics the daemon exports", async () => {
    const names = await exported();
    const dash = JSON.parse(readFileSync(dir("grafana-dashboard.json"), "utf8")) as {
      panels: { title: string; targets: { expr: string }[] }[];
      templating: { list: { name: string; query?: unknown }[] };
    };
    const exprs = [
      ...dash.panels.flatMap((p) => p.targets.map((t) => [p.title, t.expr] as const)),
      ...dash.templating.list
        .filter((v) => typeof v.query === "string" && v.query.includes("("))
        .map((v) => [v.name, String(v.query)] as const),
    ];
    expect(exprs.length).toBeGreaterThan(8);
    for (const [where, expr] of exprs) {
      const used = metricNames(expr);
      expect(used.length, `${where}: ${expr} names a metric`).toBeGreaterThan(0);
      for (const n of used) expect(names.has(n), `${where}: ${n} is not exported`).toBe(true);
    }
    for (const r of ALERT_RULES)
      for (const n of metricNames(r.expr)) if (n !== "up") expect(names.has(n), `${r.alert}: ${n} is not exported`).toBe(true);
    // The check can fail: a name the daemon no longer exports (the old label-less check state) is caught.
    expect(metricNames('sum by (instance) (rate(vrrp_check_state{check="x"}[5m]))')).toEqual(["vrrp_check_state"]);
    expect(names.has("vrrp_check_state")).toBe(false);
  });

  it("every label the dashboard and the rules group by, match on, or print is one the series carry; state mappings match the daemon's codes", async () => {
    const carried = await exportedLabels();
    const dash = JSON.parse(readFileSync(dir("grafana-dashboard.json"), "utf8")) as {
      panels: {
        title: string;
        targets: { expr: string; legendFormat?: string }[];
        fieldConfig?: { defaults?: { mappings?: { options: Record<string, { text: string }> }[] } };
      }[];
    };
    const uses: { where: string; expr: string; printed: string[] }[] = [
      ...dash.panels.flatMap((p) =>
        p.targets.map((t) => ({
          where: p.title,
          expr: t.expr,
          printed: [...(t.legendFormat ?? "").matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]!),
        })),
      ),
      ...ALERT_RULES.map((r) => ({
        where: r.alert,
        expr: r.expr,
        printed: [...`${r.annotations.summary} ${r.annotations.description}`.matchAll(/\$labels\.(\w+)/g)].map((m) => m[1]!),
      })),
    ];
    for (const { where, expr, printed } of uses) {
      const available = new Set(TARGET_LABELS);
      for (const n of metricNames(expr)) for (const l of carried.get(n) ?? []) available.add(l);
      for (const l of labelNames(expr)) expect(available.has(l), `${where}: label ${l} in ${expr}`).toBe(true);
      // After an aggregation only its by-labels are left to print.
      const groups = [...expr.matchAll(/\bby\s*\(([^)]*)\)/g)].map((m) => new Set(m[1]!.split(",").map((s) => s.trim())));
      for (const l of printed) {
        expect(available.has(l), `${where}: prints ${l}, which ${expr} does not carry`).toBe(true);
        for (const g of groups) expect(g.has(l), `${where}: prints ${l}, aggregated away by ${expr}`).toBe(true);
      }
    }
    // The check can fail: a query by the old `instance` label of a VRRP instance, or by keepalived-exporter's `iname`.
    expect(labelNames('max by (iname) (vrrp_instance_state{instance="VI_1"})')).toEqual(["iname", "instance"]);
    expect(carried.get("vrrp_instance_state")!.has("iname")).toBe(false);
    // Value mappings say what the daemon's numbers mean.
    const mapping = (title: string) =>
      Object.fromEntries(
        Object.entries(dash.panels.find((p) => p.title === title)!.fieldConfig!.defaults!.mappings![0]!.options).map(([k, v]) => [
          v.text,
          Number(k),
        ]),
      );
    expect(mapping("State per VRID")).toEqual(STATE_CODE);
    expect(mapping("Checks up")).toEqual({ OK: 1, FAILED: 0 });
  });
});
