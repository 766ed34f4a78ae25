import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/** Secrets for the test runtime: canaries, so that a leak into storage or logs can be searched for. */
export const TEST_RELAY_TOKEN = "relay-token-canary-7f3a9c";
export const TEST_ADMIN_TOKEN = "admin-token-canary-51be0d";
const UNREACHABLE_ORIGIN = "http://127.0.0.1:9";

export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => {
      const upstream = `http://127.0.0.1:${inject("upstreamPort")}`;
      // Allowlisted but with nothing listening (port 9, discard): how tests reach an unreachable upstream.
      return {
        main: "./src/index.ts",
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            UPSTREAM_URL: upstream,
            UPSTREAM_ALLOWLIST: `${upstream},${UNREACHABLE_ORIGIN}`,
            UPSTREAM_TIMEOUT_MS: "1500",
            // Small enough to test cheaply, large enough for the 5 MB base test.
            MAX_REQUEST_BYTES: String(8 * 1024 * 1024),
            RELAY_TOKEN: TEST_RELAY_TOKEN,
            ADMIN_TOKEN: TEST_ADMIN_TOKEN,
          },
        },
      };
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/node/**", "test/reliability/**"],
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
