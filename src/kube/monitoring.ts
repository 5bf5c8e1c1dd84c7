// What prometheus-operator needs to watch tsvrrpd: a PodMonitor and a PrometheusRule with the
// alerts (deploy/monitoring/ is generated from here; `tsvrrpd manifest` emits the same objects).
// Alerts group VRIDs by `vrid`, `family` and `segment`: a VRID legitimately repeats per address
// family and per L2 segment. `segment` is a target label the PodMonitor copies from the pod label
// tsvrrpd.io/segment (one value per DaemonSet on one L2 network); unset, all pods form one segment.

export const SEGMENT_POD_LABEL = "tsvrrpd.io/segment";
/** Selects tsvrrpd's targets: prometheus-operator's job label for a PodMonitor's targets is "NAMESPACE/NAME". */
export const JOB_MATCH = 'job=~".*tsvrrpd.*"';
export const METRICS_PORT_NAME = "metrics";

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  /** How long the condition holds before the alert fires; none: at once. */
  readonly for?: string;
  readonly labels: { readonly severity: "critical" | "warning" };
  readonly annotations: { readonly summary: string; readonly description: string };
}

const VRID_GROUP = "vrid, family, segment";
const byInstance = "job, instance, vrrp_instance";

/** Adverts later than this count as late (a bucket boundary of vrrp_advert_send_lateness_seconds). */
export const LATE_SECONDS = "0.1";

/** The alerts; `job` is the label matcher that selects tsvrrpd's targets. */
export function alertRules(job = JOB_MATCH): AlertRule[] {
  return [
    {
      alert: "VRRPSplitBrain",
      expr: `count by (${VRID_GROUP}) (vrrp_instance_state == 2) > 1`,
      for: "30s",
      labels: { severity: "critical" },
      annotations: {
        summary: "More than one MASTER for VRID {{ $labels.vrid }} (IPv{{ $labels.family }}, segment {{ $labels.segment }})",
        description:
          "{{ $value }} routers are MASTER for one VRID on one segment: each holds the virtual addresses. Adverts are not reaching the other routers (multicast filtered, a partition) or the VRID is reused by another cluster on the same L2 segment.",
      },
    },
    {
      alert: "VRRPNoMaster",
      expr: `max by (${VRID_GROUP}) (vrrp_instance_state == bool 2) == 0`,
      for: "1m",
      labels: { severity: "critical" },
      annotations: {
        summary: "No MASTER for VRID {{ $labels.vrid }} (IPv{{ $labels.family }}, segment {{ $labels.segment }})",
        description:
          "Every scraped router running this VRID is BACKUP, INIT or FAULT: nobody holds its virtual addresses. Look at vrrp_instance_state and the failing checks (vrrp_check_up).",
      },
    },
    {
      alert: "VRRPFlapping",
      expr: "increase(vrrp_transitions_total[10m]) > 4",
      labels: { severity: "warning" },
      annotations: {
        summary: "VRRP instance {{ $labels.vrrp_instance }} changed state {{ $value | humanize }} times in 10 minutes",
        description:
          "The instance keeps changing state on {{ $labels.instance }}: a check flapping, adverts lost now and then, or two routers preempting each other.",
      },
    },
    {
      alert: "VRRPAdvertsLate",
      expr:
        `(sum by (${byInstance}) (rate(vrrp_advert_send_lateness_seconds_count[5m])) - ` +
        `sum by (${byInstance}) (rate(vrrp_advert_send_lateness_seconds_bucket{le="${LATE_SECONDS}"}[5m])))` +
        ` / sum by (${byInstance}) (rate(vrrp_advert_send_lateness_seconds_count[5m])) > 0.01`,
      for: "5m",
      labels: { severity: "warning" },
      annotations: {
        summary: "{{ $value | humanizePercentage }} of {{ $labels.vrrp_instance }}'s adverts leave more than 100 ms late",
        description:
          "The master on {{ $labels.instance }} sends adverts late (CPU starvation, throttling by a CPU limit, a blocked event loop). Late enough, the backups take over: a split brain.",
      },
    },
    {
      alert: "VRRPCheckFailing",
      expr: "vrrp_check_up == 0",
      for: "1m",
      labels: { severity: "warning" },
      annotations: {
        summary: "Check {{ $labels.check }} fails on {{ $labels.instance }}",
        description: "A tracked check (vrrp_script) fails: the instances tracking it lower their priority or go to FAULT on this node.",
      },
    },
    {
      alert: "TsvrrpdDown",
      expr: `up{${job}} == 0`,
      for: "1m",
      labels: { severity: "critical" },
      annotations: {
        summary: "tsvrrpd on {{ $labels.instance }} does not answer scrapes",
        description: "The daemon is down or its HTTP listener is: the node neither holds nor takes over virtual addresses.",
      },
    },
  ];
}

export const ALERT_RULES: readonly AlertRule[] = alertRules();

export interface ObjectMeta {
  readonly name: string;
  readonly namespace: string;
  readonly labels?: Record<string, string>;
}

export function prometheusRule(meta: ObjectMeta, job = JOB_MATCH) {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: { name: meta.name, namespace: meta.namespace, labels: { ...meta.labels } },
    spec: { groups: [{ name: "tsvrrpd", rules: alertRules(job) }] },
  };
}

/** Scrapes every pod with `selector` on its metrics port, copying the segment pod label as `segment`. */
export function podMonitor(meta: ObjectMeta, selector: Record<string, string>) {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PodMonitor",
    metadata: { name: meta.name, namespace: meta.namespace, labels: { ...meta.labels } },
    spec: {
      selector: { matchLabels: selector },
      podMetricsEndpoints: [
        {
          port: METRICS_PORT_NAME,
          path: "/metrics",
          interval: "15s",
          relabelings: [
            {
              sourceLabels: [`__meta_kubernetes_pod_label_${SEGMENT_POD_LABEL.replace(/[^A-Za-z0-9_]/g, "_")}`],
              targetLabel: "segment",
            },
            { sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node" },
          ],
        },
      ],
    },
  };
}
