declare module "vitest" {
  export interface ProvidedContext {
    /** The reliability suite's relay, its stand-in upstream, canary secrets and where it leaves its traces. */
    reliability: {
      relayUrl: string;
      /** The stand-in's origin (on the allowlist). */
      upstreamOrigin: string;
      /** UPSTREAM_URL: the stand-in with a path prefix, so that transparent-mode paths have something to escape. */
      upstreamUrl: string;
      /** On the allowlist, nothing listening. */
      unreachableOrigin: string;
      relayToken: string;
      adminToken: string;
      /** Canary values for the credential headers clients send upstream. */
      credentials: { bearer: string; apiKey: string; cookie: string; proxy: string };
      maxRequestBytes: number;
      upstreamTimeoutMs: number;
      /** Prefix of every affinity key this run uses. */
      runId: string;
      /** `wrangler dev --persist-to`: KV and the objects' SQLite files. */
      persistDir: string;
      /** The relay's captured stdout and stderr, appended as they arrive. */
      logFile: string;
      /** wrangler dev's own debug log (it records request URLs as clients wrote them). */
      wranglerLogFile: string;
      /** Every forensics answer the suite received, appended by the helpers. */
      answersFile: string;
    };
  }
}
export {};
