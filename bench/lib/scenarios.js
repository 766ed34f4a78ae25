// @ts-check
/**
 * The requests the benchmarks send, as stand-in scenarios (tools/stand-in/server.js): the same path, headers and
 * body go to every target, so the upstream's answer is the same whoever relays it.
 */

export const MESSAGES_PATH = "/v1/messages";

/** A small streamed Messages API request body. */
export const SMALL_STREAM_BODY = JSON.stringify({
  model: "claude-bench", max_tokens: 256, stream: true,
  messages: [{ role: "user", content: "Say hello in five short chunks." }],
});

/** A streamed answer of `deltas` text deltas (about 1.3 KB for 5). @param {number} [deltas] */
export function sseHeaders(deltas = 5) {
  return { "content-type": "application/json", "x-stand-in-scenario": "messages", "x-stand-in-deltas": String(deltas) };
}

/** `bytes` raw bytes typed as an event stream, in writes of `chunkBytes`. @param {number} bytes @param {number} [chunkBytes] */
export function bulkSseHeaders(bytes, chunkBytes = 16384) {
  return {
    "content-type": "application/json", "x-stand-in-scenario": "bytes", "x-stand-in-bytes": String(bytes),
    "x-stand-in-chunk-bytes": String(chunkBytes), "x-stand-in-content-type": "text/event-stream",
  };
}

/** An upstream error with the API's JSON error body. @param {number} [status] */
export function errorHeaders(status = 500) {
  return { "content-type": "application/json", "x-stand-in-scenario": "status", "x-stand-in-status": String(status) };
}
