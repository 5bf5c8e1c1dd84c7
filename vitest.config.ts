import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The install paths (image, npm package, .deb) build artefacts for minutes: their own CI step
    // (scripts/test-install.sh, vitest.install.config.ts).
    exclude: [...configDefaults.exclude, "test/install/**"],
    globalSetup: ["test/global-setup.ts"],
    // Namespace tests share the host's network stack and keepalived pid files: run files one at a time.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
