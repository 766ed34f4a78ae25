import { defineConfig } from "vitest/config";

/**
 * Node-side end-to-end tests: real clients (the `ws` package, the Anthropic SDK, the CLI) against the relay under
 * `wrangler dev`, started once per run by test/node/global-setup.ts with the stand-in upstream.
 */
export default defineConfig({
  test: {
    include: ["test/node/**/*.test.ts"],
    environment: "node",
    setupFiles: ["./test/wrangler-dev-retry.ts"],
    globalSetup: ["./test/node/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 90_000,
    // One wrangler dev serves every file; running files one at a time keeps its load (and timing) predictable.
    fileParallelism: false,
  },
});
