declare module "vitest" {
  export interface ProvidedContext {
    /** Port of the stand-in upstream for the workerd suite. */
    upstreamPort: number;
    /** The node-side suite's relay under wrangler dev and its stand-in upstream. */
    e2e: { relayUrl: string; upstreamUrl: string; relayToken: string; adminToken: string };
  }
}
export {};
