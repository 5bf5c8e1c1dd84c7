import { configDefaults, defineConfig } from "vitest/config";
import { LongestFirst } from "./test/sequencer.js";

// Three groups (projects), run in this order:
// - unit and functional together, on WORKERS workers: unit files are pure; every namespace file
//   builds its own labs (namespaces named PREFIX-PID-SEQ, files under its own temporary directory,
//   control sockets and pid files inside it), so they share nothing but the CPU. A new file under
//   test/netns lands here by default.
// - timing, alone and last, one file at a time: the files whose assertions measure time on the
//   wire (failover gaps, lossy links, a client's view of a takeover, simulator vs lab, HTTP load).
//   A file goes here only when what it measures would change with its neighbours' load.
const TIMING = [
  "test/netns/interop.test.ts",
  "test/netns/reliability.test.ts",
  "test/netns/client-view.test.ts",
  "test/netns/simulate-vs-lab.test.ts",
  "test/netns/http-load.test.ts",
];
const FUNCTIONAL = ["test/netns/**/*.test.ts"];
// The install paths (image, npm package, .deb) build artefacts for minutes: their own CI step
// (scripts/test-install.sh, vitest.install.config.ts).
const INSTALL = ["test/install/**"];
// Allocation per advert (issue 33): its own workers with --expose-gc and a young generation (64 MB
// semi-spaces) that holds a whole measurement, so no scavenge runs inside one.
const ALLOC = ["test/alloc/**/*.test.ts"];
// Namespace tests mostly wait on timers (adverts, down intervals): more workers than the 2 cores.
// Measured on this 2-core machine, the same files, for the unit and functional group: 3 workers
// 366 s and 4 workers 272 s with other work on it; 6 workers 152 s on a quiet machine (4: 264 s).
const WORKERS = Number(process.env.TSVRRPD_TEST_WORKERS ?? 6);

export default defineConfig({
  test: {
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Longest files first within each group (test/durations.json where vitest has no cache).
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...FUNCTIONAL, ...TIMING, ...INSTALL, ...ALLOC],
          maxWorkers: WORKERS,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "alloc",
          include: ALLOC,
          pool: "forks",
          execArgv: ["--expose-gc", "--min-semi-space-size=64", "--max-semi-space-size=64"],
          maxWorkers: WORKERS,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "functional",
          include: FUNCTIONAL,
          exclude: TIMING,
          maxWorkers: WORKERS,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "timing",
          include: TIMING,
          maxWorkers: 1,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
