// `tsvrrpd manifest`: the Kubernetes objects that run tsvrrpd, as kube-vip's `kube-vip manifest
// daemonset` generates its own. Two modes:
//  - conf: keepalived.conf from a ConfigMap (and auth_pass from an optional Secret), reloaded
//    on change without a restart (--reload-on-change follows kubelet's ..data symlink swap);
//  - openshift: OPENSHIFT_HA_* variables, as OpenShift's keepalived-ipfailover image takes them.
// Probes ask the daemon over its control socket (`status --check`, `status --alive`); no pgrep.
// test/deploy/manifests.test.ts validates every object against the Kubernetes schema and
// prometheus-operator's, and checks the examples under deploy/ (src/kube/examples.ts) are current.
import { METRICS_PORT_NAME, podMonitor, prometheusRule, SEGMENT_POD_LABEL } from "./monitoring.js";

export type ManifestMode = "conf" | "openshift";
export type WorkloadKind = "daemonset" | "deployment";
/** Where /metrics listens: nowhere, the pod's IP (the node's, with host networking), or loopback. */
export type MetricsBind = "off" | "pod-ip" | "loopback";

export interface ManifestOptions {
  readonly mode: ManifestMode;
  readonly kind: WorkloadKind;
  readonly name: string;
  readonly namespace: string;
  readonly image: string;
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** Deployment only. */
  readonly replicas: number;
  /** conf mode: the keepalived.conf the ConfigMap holds (default: a commented example). */
  readonly config?: string;
  /** conf mode: a Secret whose files the configuration includes (e.g. `$AUTH_PASS=...`); optional in the pod. */
  readonly authSecret?: string;
  readonly metrics: MetricsBind;
  readonly metricsPort: number;
  /** The L2 segment these pods' VRRP runs on (pod label tsvrrpd.io/segment, the alerts' `segment`). */
  readonly segment?: string;
  /** openshift mode: OPENSHIFT_HA_* (and TSVRRPD_*) variables. */
  readonly env: Readonly<Record<string, string>>;
}

export const DEFAULTS: ManifestOptions = {
  mode: "conf",
  kind: "daemonset",
  name: "tsvrrpd",
  namespace: "kube-system",
  image: "quay.io/example/tsvrrpd-ipfailover:latest",
  nodeSelector: { "tsvrrpd.io/enabled": "true" },
  replicas: 2,
  metrics: "off",
  metricsPort: 9650,
  env: {},
};

export const OPENSHIFT_EXAMPLE_ENV: Readonly<Record<string, string>> = {
  OPENSHIFT_HA_CONFIG_NAME: "k8s-vips",
  OPENSHIFT_HA_VIRTUAL_IPS: "192.0.2.100-101",
  OPENSHIFT_HA_NETWORK_INTERFACE: "eth0",
  OPENSHIFT_HA_MONITOR_PORT: "443",
  OPENSHIFT_HA_REPLICA_COUNT: "3",
};

const TSVRRPD = "/opt/tsvrrpd/bin/tsvrrpd";
const CONF_DIR = "/etc/keepalived";
const SECRET_DIR = "/etc/keepalived-secret";
const RUN_DIR = "/run/tsvrrpd";
const CONTROL = `${RUN_DIR}/control.sock`;

/** The example keepalived.conf of conf mode; with a Secret, auth_pass comes from it. */
export function exampleConfig(o: Pick<ManifestOptions, "authSecret">): string {
  const auth = o.authSecret
    ? [`# auth_pass from the Secret ${o.authSecret} (key auth.conf, a line "$AUTH_PASS=yourpass"):`, `include ${SECRET_DIR}/auth.conf`, ""]
    : [];
  return [
    "# keepalived.conf: edit this ConfigMap; the daemons reload it within seconds of kubelet",
    "# updating the volume, without a restart (instances that did not change do not flap).",
    ...auth,
    "global_defs {",
    "  vrrp_garp_master_delay 1",
    "}",
    "vrrp_instance VI_1 {",
    "  interface eth0",
    "  virtual_router_id 51",
    "  priority 100",
    ...(o.authSecret ? ["  version 2", "  authentication {", "    auth_type PASS", "    auth_pass $AUTH_PASS", "  }"] : ["  version 3"]),
    "  advert_int 1",
    "  virtual_ipaddress {",
    "    192.0.2.100/24",
    "  }",
    "}",
    "",
  ].join("\n");
}

const labelsOf = (o: ManifestOptions) => ({
  "app.kubernetes.io/name": "tsvrrpd",
  "app.kubernetes.io/instance": o.name,
});

function probe(flag: "--check" | "--alive", period: number, failures: number) {
  return {
    exec: { command: [TSVRRPD, "status", flag, "--socket", CONTROL] },
    periodSeconds: period,
    timeoutSeconds: 5,
    failureThreshold: failures,
  };
}

function container(o: ManifestOptions) {
  const http =
    o.metrics === "pod-ip" ? `[$(POD_IP)]:${o.metricsPort}` : o.metrics === "loopback" ? `127.0.0.1:${o.metricsPort}` : undefined;
  const podIpEnv = o.metrics === "pod-ip" ? [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }] : [];
  const common = {
    name: "tsvrrpd",
    image: o.image,
    imagePullPolicy: "IfNotPresent",
    // NET_ADMIN: VIPs (netlink), the multicast group, the nftables rule; NET_RAW: raw VRRP
    // sockets (adverts) and packet sockets (GARP/NA). Nothing else, and no privilege escalation.
    securityContext: {
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsUser: 0,
      capabilities: { drop: ["ALL"], add: ["NET_ADMIN", "NET_RAW"] },
    },
    resources: { requests: { cpu: "50m", memory: "96Mi" }, limits: { memory: "256Mi" } },
    // Declared whenever HTTP is on: with host networking it also reserves the port on the node.
    ...(http ? { ports: [{ name: METRICS_PORT_NAME, containerPort: o.metricsPort, protocol: "TCP" }] } : {}),
    // Startup: up to 2 min to load the configuration and answer; then readiness (every
    // instance past INIT; FAULT counts as ready) and liveness (the event loop answers).
    startupProbe: probe("--alive", 2, 60),
    readinessProbe: probe("--check", 10, 3),
    livenessProbe: probe("--alive", 10, 6),
  };
  if (o.mode === "conf")
    return {
      ...common,
      command: [TSVRRPD],
      args: [
        "-n",
        "--log-json",
        "-G",
        "-f",
        `${CONF_DIR}/keepalived.conf`,
        "-p",
        `${RUN_DIR}/tsvrrpd.pid`,
        "--control",
        CONTROL,
        "--reload-on-change",
        ...(http ? [`--http=${http}`] : []),
      ],
      ...(podIpEnv.length ? { env: podIpEnv } : {}),
      volumeMounts: [
        { name: "config", mountPath: CONF_DIR, readOnly: true },
        ...(o.authSecret ? [{ name: "auth", mountPath: SECRET_DIR, readOnly: true }] : []),
        { name: "run", mountPath: RUN_DIR },
        { name: "tmp", mountPath: "/tmp" },
      ],
    };
  const env = { ...OPENSHIFT_EXAMPLE_ENV, ...o.env, TSVRRPD_CONTROL_SOCKET: CONTROL, ...(http ? { TSVRRPD_HTTP: http } : {}) };
  return {
    ...common,
    env: [...podIpEnv, ...Object.entries(env).map(([name, value]) => ({ name, value }))],
    volumeMounts: [
      { name: "keepalived-conf", mountPath: CONF_DIR },
      { name: "run", mountPath: RUN_DIR },
      { name: "tmp", mountPath: "/tmp" },
    ],
  };
}

const memoryDir = (name: string, size: string) => ({ name, emptyDir: { medium: "Memory", sizeLimit: size } });

function podTemplate(o: ManifestOptions) {
  const volumes =
    o.mode === "conf"
      ? [
          { name: "config", configMap: { name: `${o.name}-config` } },
          ...(o.authSecret ? [{ name: "auth", secret: { secretName: o.authSecret, optional: true, defaultMode: 0o400 } }] : []),
          memoryDir("run", "1Mi"),
          memoryDir("tmp", "8Mi"),
        ]
      : [memoryDir("keepalived-conf", "1Mi"), memoryDir("run", "1Mi"), memoryDir("tmp", "8Mi")];
  return {
    metadata: { labels: { ...labelsOf(o), ...(o.segment ? { [SEGMENT_POD_LABEL]: o.segment } : {}) } },
    spec: {
      serviceAccountName: o.name,
      // tsvrrpd never talks to the API server: no token in the pod.
      automountServiceAccountToken: false,
      hostNetwork: true, // VRRP runs on the node's own interfaces
      dnsPolicy: "ClusterFirstWithHostNet",
      // Critical priority classes are admitted in kube-system only (ResourceQuota's default limit).
      ...(o.namespace === "kube-system" ? { priorityClassName: "system-node-critical" } : {}),
      terminationGracePeriodSeconds: 10, // priority 0 adverts and VIP removal take well under a second
      ...(Object.keys(o.nodeSelector).length ? { nodeSelector: { ...o.nodeSelector } } : {}),
      tolerations: [{ operator: "Exists", effect: "NoSchedule" }],
      securityContext: { seccompProfile: { type: "RuntimeDefault" } },
      containers: [container(o)],
      volumes,
    },
  };
}

function workload(o: ManifestOptions) {
  const metadata = { name: o.name, namespace: o.namespace, labels: labelsOf(o) };
  const selector = { matchLabels: labelsOf(o) };
  if (o.kind === "daemonset")
    return {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata,
      spec: { selector, updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } }, template: podTemplate(o) },
    };
  const template = podTemplate(o);
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata,
    spec: {
      replicas: o.replicas,
      // Two pods of one VRRP group must not share a node (host network: one would steal the other's VIPs' adverts).
      strategy: { type: "Recreate" },
      selector,
      template: {
        ...template,
        spec: {
          ...template.spec,
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: selector, topologyKey: "kubernetes.io/hostname" }],
            },
          },
        },
      },
    },
  };
}

/** Every object for these options, in the order `kubectl apply` wants them. */
export function manifestObjects(o: ManifestOptions): object[] {
  const meta = { namespace: o.namespace, labels: labelsOf(o) };
  const out: object[] = [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: o.name, ...meta }, automountServiceAccountToken: false },
  ];
  if (o.mode === "conf")
    out.push({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `${o.name}-config`, ...meta },
      data: { "keepalived.conf": o.config ?? exampleConfig(o) },
    });
  out.push(workload(o));
  if (o.metrics === "pod-ip") {
    out.push(podMonitor({ name: o.name, ...meta }, labelsOf(o)));
    // prometheus-operator names a PodMonitor's targets' job "NAMESPACE/NAME".
    out.push(prometheusRule({ name: o.name, ...meta }, `job="${o.namespace}/${o.name}"`));
  }
  return out;
}
