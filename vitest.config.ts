import { defineConfig } from "vitest/config";

// Two projects: fast unit tests beside each package, and end-to-end tests under test/
// that start the real server as a child process. The machine has 2 cores, so e2e files
// run one at a time (each starts its own server with several worker threads).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/*/test/**/*.test.ts", "bench/test/**/*.test.ts"],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/**/*.test.ts"],
          globalSetup: ["test/support/build-server-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
