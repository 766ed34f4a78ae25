/**
 * The relay's own errors as the contract shapes them: HTTP `{"type":"error","error":{"type","message"}}` with the
 * contract's type for each status, and protocol-2 `error` frames. Never a 5xx for bad input, never a stack trace
 * or an internal detail in a message.
 */

/** The contract's error type for each status the relay answers by itself. */
export const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: "invalid_request",
  401: "authentication_error",
  403: "upstream_not_allowed",
  404: "not_found",
  405: "method_not_allowed",
  409: "state_mismatch",
  413: "request_too_large",
  502: "upstream_unreachable",
  503: "relay_not_configured",
  504: "upstream_timeout",
};

/** What must never appear in a message a client sees: stack frames, source locations, runtime internals. */
const INTERNAL = /\n\s*at |\bat .*\(.*:\d+:\d+\)|\.ts:\d+|file:\/\/|internal relay error|TypeError|ReferenceError|SyntaxError/;

/** Why `text` is not the contract's HTTP error for `status` (4xx when `status` is "4xx"), or null when it is. */
export function relayErrorProblem(status: number, contentType: string | null, text: string, expected: number | "4xx"): string | null {
  if (expected === "4xx" ? status < 400 || status > 499 : status !== expected) return `status ${status}, expected ${expected}: ${text.slice(0, 300)}`;
  if (!(contentType ?? "").startsWith("application/json")) return `content-type ${contentType}`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `not JSON: ${text.slice(0, 300)}`;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return `not an object: ${text}`;
  const keys = Object.keys(value).sort().join(",");
  const error: unknown = Reflect.get(value, "error");
  if (keys !== "error,type" || Reflect.get(value, "type") !== "error" || typeof error !== "object" || error === null) {
    return `not the error shape: ${text}`;
  }
  if (Object.keys(error).sort().join(",") !== "message,type") return `error has other fields: ${text}`;
  const type: unknown = Reflect.get(error, "type");
  const message: unknown = Reflect.get(error, "message");
  if (type !== ERROR_TYPES[status]) return `type ${String(type)} for status ${status}`;
  if (typeof message !== "string" || message.trim() === "") return `no message: ${text}`;
  if (INTERNAL.test(message)) return `an internal detail in the message: ${message}`;
  return null;
}

/** Reads `response` and returns why it is not the contract's error (null when it is), with its text. */
export async function checkRelayError(response: Response, expected: number | "4xx"): Promise<{ problem: string | null; text: string }> {
  const text = await response.text();
  return { problem: relayErrorProblem(response.status, response.headers.get("content-type"), text, expected), text };
}

/**
 * Why `frame` is not a protocol-2 error frame with a 4xx status (or `status`), carrying `id` exactly when given
 * (absent when `id` is null), or null when it is.
 */
export function errorFrameProblem(frame: Record<string, unknown>, options: { status?: number; id: string | null }): string | null {
  const text = JSON.stringify(frame);
  if (frame.protocol !== 2 || frame.type !== "error") return `not an error frame: ${text}`;
  const status = frame.status;
  if (typeof status !== "number") return `no status: ${text}`;
  if (options.status === undefined ? status < 400 || status > 499 : status !== options.status) return `status ${status}: ${text}`;
  const expectedKeys = ["message", "protocol", "status", "type", ...(options.id === null ? [] : ["id"])].sort().join(",");
  if (Object.keys(frame).sort().join(",") !== expectedKeys) return `fields ${Object.keys(frame).join(",")}: ${text}`;
  if (options.id !== null && frame.id !== options.id) return `id ${String(frame.id)}, expected ${options.id}`;
  if (typeof frame.message !== "string" || frame.message.trim() === "") return `no message: ${text}`;
  if (INTERNAL.test(frame.message)) return `an internal detail in the message: ${frame.message}`;
  return null;
}
