// The checked-in examples under deploy/, each the output of one `tsvrrpd manifest` command line
// (test/deploy/manifests.test.ts checks they are current): `node dist/kube/examples.js` rewrites them.
import { writeFileSync } from "node:fs";
import { manifestText } from "./manifest-command.js";

export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  "kubernetes-daemonset.yaml": ["daemonset", "--auth-secret=tsvrrpd-auth", "--metrics=pod-ip", "--segment=lan1"],
  "kubernetes-deployment.yaml": ["deployment", "--namespace=vrrp", "--node-selector=node-role.kubernetes.io/worker=", "--metrics=loopback"],
  "kubernetes-openshift-env.yaml": ["daemonset", "--mode=openshift", "--name=tsvrrpd-env", "--metrics=pod-ip"],
};

if (import.meta.url === `file://${process.argv[1]}`)
  for (const [file, args] of Object.entries(EXAMPLES)) writeFileSync(new URL(`../../deploy/${file}`, import.meta.url), manifestText(args));
