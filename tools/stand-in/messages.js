// @ts-check
/**
 * What the stand-in upstream says, as pure functions: importable from Node (the server, tests, bench, demo) and
 * from workerd tests alike, so a test can compute the exact bytes it expects to receive through the relay.
 */

/** @param {string} event @param {unknown} data */
export function sseEvent(event, data) {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The text of delta `index`: plain ASCII with some multi-byte characters, deterministic. @param {number} index */
export function deltaText(index) {
  return `chunk ${index} héllo 世界 🚀 `;
}

/**
 * The events of a streamed Messages API answer with `deltas` text deltas, in order.
 * @param {{ id?: string, deltas?: number, model?: string }} [options]
 * @returns {string[]}
 */
export function messageEvents({ id = "msg_standin", deltas = 5, model = "stand-in-model" } = {}) {
  const events = [
    sseEvent("message_start", {
      type: "message_start",
      message: {
        id, type: "message", role: "assistant", content: [], model,
        stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, output_tokens: 1 },
      },
    }),
    sseEvent("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
    sseEvent("ping", { type: "ping" }),
  ];
  for (let index = 0; index < deltas; index += 1) {
    events.push(
      sseEvent("content_block_delta", {
        type: "content_block_delta", index: 0, delta: { type: "text_delta", text: deltaText(index) },
      }),
    );
  }
  events.push(
    sseEvent("content_block_stop", { type: "content_block_stop", index: 0 }),
    sseEvent("message_delta", {
      type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: deltas },
    }),
    sseEvent("message_stop", { type: "message_stop" }),
  );
  return events;
}

/** The non-streamed answer with the same text as `messageEvents`. */
export function messageJson({ id = "msg_standin", deltas = 5, model = "stand-in-model" } = {}) {
  let text = "";
  for (let index = 0; index < deltas; index += 1) text += deltaText(index);
  return {
    id, type: "message", role: "assistant", model, content: [{ type: "text", text }],
    stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 12, output_tokens: deltas },
  };
}

/** Anthropic's error body for a status. @param {number} status */
export function errorJson(status, message = `stand-in error ${status}`) {
  const types = {
    400: "invalid_request_error", 401: "authentication_error", 403: "permission_error", 404: "not_found_error",
    413: "request_too_large", 429: "rate_limit_error", 500: "api_error", 529: "overloaded_error",
  };
  return { type: "error", error: { type: types[/** @type {keyof typeof types} */ (status)] ?? "api_error", message } };
}

/** The in-stream error Anthropic sends when it is overloaded mid-answer. */
export const OVERLOADED_EVENT = sseEvent("error", {
  type: "error", error: { type: "overloaded_error", message: "Overloaded" },
});
