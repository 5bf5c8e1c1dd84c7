// `tsvrrpd status` as an operator reads it: the check lines say how the last run ended in words.
import { describe, expect, it } from "vitest";
import { formatStatus } from "../../src/status.js";
import type { StatusDocument } from "../../src/operator/status-document.js";

const doc = (checks: StatusDocument["checks"]): StatusDocument => ({
  pid: 1,
  startedAt: "",
  uptimeS: 5,
  instances: [],
  checks,
  trackFiles: [],
  trackProcesses: [],
  jitterMs: { samples: 0, p50: 0, p99: 0, max: 0 },
  counters: {
    unknownVrid: 0,
    malformedPackets: 0,
    announcementsSent: 0,
    notify: { runs: 0, failures: 0, coalesced: 0 },
    fifo: { written: 0, dropped: 0 },
  },
});

describe("status text", () => {
  it("a check's last run: exit status, signal, timeout or connect error, and its duration; no JSON", () => {
    const text = formatStatus(
      doc([
        {
          name: "ok",
          state: "OK",
          runs: 3,
          skipped: 0,
          last: { ok: true, detail: { exitCode: 0, signal: null, timedOut: false, ms: 20 } },
        },
        {
          name: "bad",
          state: "FAILED",
          runs: 4,
          skipped: 1,
          last: { ok: false, detail: { exitCode: 1, signal: null, timedOut: false, ms: 9.4 } },
        },
        {
          name: "slow",
          state: "FAILED",
          runs: 2,
          skipped: 0,
          last: { ok: false, detail: { exitCode: null, signal: "SIGKILL", timedOut: true, ms: 2001 } },
        },
        { name: "tcp", state: "FAILED", runs: 2, skipped: 0, last: { ok: false, detail: { ms: 1, error: "ECONNREFUSED" } } },
        { name: "new", state: "OK", runs: 0, skipped: 0 },
      ]),
    );
    expect(text).toContain("check ok: OK, 3 runs, 0 skipped, last ok (exit 0, 20 ms)\n");
    expect(text).toContain("check bad: FAILED, 4 runs, 1 skipped, last failed (exit 1, 9 ms)\n");
    expect(text).toContain("check slow: FAILED, 2 runs, 0 skipped, last failed (timed out, killed by SIGKILL, 2001 ms)\n");
    expect(text).toContain("check tcp: FAILED, 2 runs, 0 skipped, last failed (ECONNREFUSED, 1 ms)\n");
    expect(text).toContain("check new: OK, 0 runs, 0 skipped\n");
    expect(text).not.toContain("{");
  });
});
