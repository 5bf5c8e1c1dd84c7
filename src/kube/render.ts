// Kubernetes objects as one multi-document YAML stream (what `kubectl apply -f` takes).
import { stringify } from "yaml";

export function renderYaml(objects: readonly object[], header?: string): string {
  const head = header ? header.replace(/^/gm, "# ") + "\n" : "";
  return head + objects.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join("---\n");
}
