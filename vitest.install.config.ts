import { defineConfig } from "vitest/config";

// The install paths: scripts/test-install.sh runs these after scripts/setup-install.sh.
export default defineConfig({
  test: {
    include: ["test/install/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 900_000,
  },
});
