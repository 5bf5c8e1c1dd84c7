// The deploy/ manifests against the Kubernetes API schema (kubernetes-models' validators, built
// from the OpenAPI spec), plus the least-privilege rules the README promises, and the systemd
// unit through systemd-analyze.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { Job } from "kubernetes-models/batch/v1/Job";

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "v1/ServiceAccount": ServiceAccount,
  "apps/v1/Deployment": Deployment,
  "apps/v1/DaemonSet": DaemonSet,
  "batch/v1/Job": Job,
};

interface Container {
  name: string;
  securityContext?: {
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
  };
  resources?: { limits?: { memory?: string } };
}
interface PodSpec {
  securityContext?: { seccompProfile?: { type: string } };
  containers: Container[];
  volumes?: { name: string; hostPath?: { path: string } }[];
}
type Doc = {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; generateName?: string };
  spec?: { template?: { spec: PodSpec } };
};

/**
 * The fields an API object type has, read from kubernetes-models' validator generated from the
 * Kubernetes OpenAPI schema. The validators accept unknown fields (as the API server does unless
 * told to be strict), so this is how a misplaced field - like the documented Deployment's
 * pod-level `privileged:` - is caught.
 */
function knownFields(schema: string): Set<string> {
  const text = readFileSync(new URL(`../../node_modules/kubernetes-models/_schemas/${schema}.mjs`, import.meta.url), "utf8");
  return new Set([...text.matchAll(/void 0===data\.([A-Za-z$_][A-Za-z0-9$_]*)/g)].map((m) => m[1]!));
}

const STRICT: [string, (pod: PodSpec) => object[]][] = [
  ["IoK8sApiCoreV1PodSpec", (pod) => [pod]],
  ["IoK8sApiCoreV1Container", (pod) => pod.containers],
  ["IoK8sApiCoreV1SecurityContext", (pod) => pod.containers.flatMap((c) => (c.securityContext ? [c.securityContext] : []))],
  ["IoK8sApiCoreV1PodSecurityContext", (pod) => (pod.securityContext ? [pod.securityContext] : [])],
  ["IoK8sApiCoreV1Volume", (pod) => pod.volumes ?? []],
];

function unknownFields(pod: PodSpec): string[] {
  const out: string[] = [];
  for (const [schema, pick] of STRICT) {
    const known = knownFields(schema);
    expect(known.size, `${schema} fields read from the schema`).toBeGreaterThan(3);
    for (const obj of pick(pod))
      for (const k of Object.keys(obj)) if (!known.has(k)) out.push(`${schema.replace("IoK8sApiCoreV1", "")}.${k}`);
  }
  return out;
}

function docs(file: string): Doc[] {
  return parseAllDocuments(readFileSync(new URL(`../../deploy/${file}`, import.meta.url), "utf8")).map((d) => d.toJSON() as Doc);
}

describe("deploy/ manifests", () => {
  for (const file of ["openshift-ipfailover.yaml", "kubernetes-daemonset.yaml"]) {
    it(`${file} validates against the Kubernetes API schema`, () => {
      for (const d of docs(file)) {
        const Model = MODELS[`${d.apiVersion}/${d.kind}`];
        expect(Model, `${d.apiVersion} ${d.kind} has a validator`).toBeDefined();
        expect(() => new Model!(d as never).validate(), `${d.kind} ${d.metadata.name ?? d.metadata.generateName}`).not.toThrow();
        if (d.spec?.template?.spec) expect(unknownFields(d.spec.template.spec), `${d.kind}: fields the API does not have`).toEqual([]);
      }
    });

    it(`${file}: least privilege in every pod`, () => {
      for (const d of docs(file)) {
        const pod = d.spec?.template?.spec;
        if (!pod) continue;
        expect(pod.securityContext?.seccompProfile?.type, `${d.kind}: seccomp`).toBe("RuntimeDefault");
        for (const c of pod.containers) {
          const sc = c.securityContext ?? {};
          expect(sc.privileged, `${c.name}: privileged`).not.toBe(true);
          expect(sc.allowPrivilegeEscalation, `${c.name}: allowPrivilegeEscalation`).toBe(false);
          expect(sc.readOnlyRootFilesystem, `${c.name}: readOnlyRootFilesystem`).toBe(true);
          expect(sc.capabilities?.drop).toEqual(["ALL"]);
          // Only what a documented feature needs (README: Security).
          for (const cap of sc.capabilities?.add ?? []) expect(["NET_ADMIN", "NET_RAW", "SYS_MODULE"]).toContain(cap);
          if (sc.capabilities?.add?.includes("SYS_MODULE")) expect(c.name).toBe("remove-ipfailover");
          expect(c.resources?.limits?.memory, `${c.name}: memory limit`).toMatch(/^\d+Mi$/);
        }
        for (const v of pod.volumes ?? []) if (v.hostPath) expect(v.hostPath.path, `${d.kind}: host mounts`).toBe("/lib/modules");
      }
    });
  }

  it("a pod-level 'privileged' (not a PodSpec field) is caught, and a wrong type fails the schema", () => {
    const [d] = docs("kubernetes-daemonset.yaml");
    const bad = structuredClone(d!) as Doc & { spec: { template: { spec: PodSpec & Record<string, unknown> } } };
    bad.spec.template.spec.privileged = true;
    expect(unknownFields(bad.spec.template.spec)).toEqual(["PodSpec.privileged"]);
    const wrongType = structuredClone(d!) as Doc & { spec: { template: { spec: { hostNetwork: unknown } } } };
    wrongType.spec.template.spec.hostNetwork = "yes";
    expect(() => new DaemonSet(wrongType as never).validate()).toThrow();
  });
});

describe("systemd unit", () => {
  const unit = new URL("../../deploy/tsvrrpd.service", import.meta.url).pathname;
  it("passes systemd-analyze verify and rates OK or better in systemd-analyze security", () => {
    // /usr/sbin/tsvrrpd is the .deb's (test/install/deb.test.ts verifies the installed unit): here a
    // stand-in executable takes its place, and the man page check waits for the package too.
    const dir = mkdtempSync(join(tmpdir(), "tsvrrpd-unit-"));
    try {
      writeFileSync(join(dir, "tsvrrpd"), "#!/bin/sh\n");
      chmodSync(join(dir, "tsvrrpd"), 0o755);
      writeFileSync(join(dir, "tsvrrpd.service"), readFileSync(unit, "utf8").replaceAll("/usr/sbin/tsvrrpd", join(dir, "tsvrrpd")));
      const verify = spawnSync("systemd-analyze", ["verify", "--man=no", join(dir, "tsvrrpd.service")], {
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(verify.status, verify.stderr).toBe(0);
      expect(verify.stderr).toBe("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const sec = spawnSync("systemd-analyze", ["security", "--offline=yes", unit], { encoding: "utf8", timeout: 30_000 });
    const level = /Overall exposure level for tsvrrpd\.service: ([\d.]+) (\w+)/.exec(sec.stdout);
    expect(level, sec.stdout + sec.stderr).not.toBeNull();
    console.log(`systemd-analyze security: ${level![1]} ${level![2]}`);
    expect(Number(level![1])).toBeLessThanOrEqual(4);
  });
  it("bounds capabilities to what tsvrrpd needs", () => {
    const text = readFileSync(unit, "utf8");
    expect(text).toMatch(/^CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_SETUID CAP_SETGID CAP_KILL$/m);
    for (const k of [
      "PrivateTmp=yes",
      "ProtectSystem=strict",
      "NoNewPrivileges=yes",
      "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_PACKET",
    ])
      expect(text).toContain(k);
  });
});

describe("image build", () => {
  it("compiles and downloads nothing: the context brings the app built for the pinned Node (npm run image)", () => {
    const runs = readFileSync("Dockerfile", "utf8")
      .replace(/\\\n/g, " ")
      .split("\n")
      .filter((l) => /^RUN\b/.test(l));
    for (const r of runs) expect(r).not.toMatch(/\b(npm ci|npm install|node-gyp|gcc|g\+\+|make)\b/);
    expect(readFileSync("Dockerfile", "utf8")).toMatch(/^ARG BASE=\S+node:\d+-\S+slim$/m);
  });
});
