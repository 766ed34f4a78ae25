/** The exact bytes the stand-in upstream sends (tools/stand-in/messages.js), for byte-for-byte comparisons. */
import { errorJson, messageEvents, OVERLOADED_EVENT } from "../../../tools/stand-in/messages.js";

/** A streamed Messages answer with `deltas` text deltas. */
export function sseAnswer(deltas: number): Buffer {
  return Buffer.from(messageEvents({ deltas }).join(""), "utf8");
}

/** The stand-in's `sse-error` scenario: the answer's start and deltas, then the `event: error` of an overload. */
export function sseErrorAnswer(deltas: number): Buffer {
  return Buffer.from([...messageEvents({ deltas }).slice(0, 3 + deltas), OVERLOADED_EVENT].join(""), "utf8");
}

/** The stand-in's JSON error body for `status`. */
export function statusAnswer(status: number): Buffer {
  return Buffer.from(JSON.stringify(errorJson(status)), "utf8");
}

/** The events a `reset` scenario sends before it breaks the connection. */
export function resetPrefix(events: number): string {
  return messageEvents({ deltas: 20 }).slice(0, events).join("");
}

/** What an SSE body must end with when the upstream broke off: the contract's closing error event. */
export const STREAM_BROKEN_TAIL = /event: error\ndata: \{"type":"error","error":\{"type":"upstream_stream_broken","message":"[^"\n]+"\}\}\n\n$/;
