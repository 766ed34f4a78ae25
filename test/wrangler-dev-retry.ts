/**
 * Setup for the suites that run against `wrangler dev` (not the relay's code): wrangler dev's own proxy answers
 * `503 Your worker restarted mid-request` to the first POST after any request whose response stream was aborted
 * in the entry Worker (as the contract asks for a broken non-SSE body): its pooled connection to the runtime is
 * broken, not the relay. Production has no such proxy. That one answer, recognisable by wrangler's own text (the
 * relay's own 503 is JSON), is retried once; anything else goes through untouched.
 */
const WRANGLER_RESTART = "Your worker restarted mid-request";

export function isWranglerRestart(status: number, text: string): boolean {
  return status === 503 && text.includes(WRANGLER_RESTART);
}

const original = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const response = await original(input, init);
  if (response.status !== 503 || init?.body instanceof ReadableStream || input instanceof Request) return response;
  if (!isWranglerRestart(response.status, await response.clone().text())) return response;
  console.warn("wrangler dev's proxy dropped a pooled connection (503 worker restarted): retrying that request once");
  return original(input, init);
};
