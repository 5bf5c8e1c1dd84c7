// Before any test: remove namespaces, processes and directories left by an earlier run that was
// killed before its clean-up (labs record their owner; live runs' labs are left alone).
import { sweepStaleLabs } from "../lab/netns.js";

export default function setup(): void {
  const swept = sweepStaleLabs();
  if (swept.length) console.log(`removed ${swept.length} namespaces left by killed test runs: ${swept.join(", ")}`);
}
