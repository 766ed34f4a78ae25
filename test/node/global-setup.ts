import type { TestProject } from "vitest/node";
import { startStandInProcess, startWranglerDev } from "../../tools/local-relay.js";

export const E2E_RELAY_TOKEN = "e2e-relay-token-canary-3d81";
export const E2E_ADMIN_TOKEN = "e2e-admin-token-canary-9c2e";

/** The stand-in upstream and the relay under wrangler dev, shared by every node-side test file. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const standIn = await startStandInProcess();
  const relay = await startWranglerDev({
    vars: {
      UPSTREAM_URL: standIn.url,
      UPSTREAM_ALLOWLIST: standIn.url,
      UPSTREAM_TIMEOUT_MS: "3000",
      RELAY_TOKEN: E2E_RELAY_TOKEN,
      ADMIN_TOKEN: E2E_ADMIN_TOKEN,
    },
  });
  project.provide("e2e", { relayUrl: relay.url, upstreamUrl: standIn.url, relayToken: E2E_RELAY_TOKEN, adminToken: E2E_ADMIN_TOKEN });
  return async () => {
    await relay.stop();
    await standIn.stop();
  };
}
