/**
 * Errors the relay itself produces, and the one place that turns them into responses.
 * Deep code throws a `RelayError`; the boundary in `src/index.ts` (and the object's own entry points) call
 * `errorResponse`. Anything that is not a `RelayError` becomes a generic 500: its message may be internal.
 */

/** The contract's error types by status; 500 is not in the contract and uses Anthropic's own name for it. */
const TYPE_BY_STATUS = {
  400: "invalid_request",
  401: "authentication_error",
  403: "upstream_not_allowed",
  404: "not_found",
  405: "method_not_allowed",
  409: "state_mismatch",
  413: "request_too_large",
  500: "api_error",
  502: "upstream_unreachable",
  503: "relay_not_configured",
  504: "upstream_timeout",
} as const;

export type RelayErrorStatus = keyof typeof TYPE_BY_STATUS;
export type RelayErrorType = (typeof TYPE_BY_STATUS)[RelayErrorStatus];

/** An error whose message is safe to show the client. Put internal detail in `cause`, never in `message`. */
export class RelayError extends Error {
  readonly status: RelayErrorStatus;
  readonly type: RelayErrorType;

  constructor(status: RelayErrorStatus, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RelayError";
    this.status = status;
    this.type = TYPE_BY_STATUS[status];
  }
}

export const invalidRequest = (message: string): RelayError => new RelayError(400, message);

export const requestTooLarge = (maxBytes: number): RelayError =>
  new RelayError(413, `request body exceeds MAX_REQUEST_BYTES (${maxBytes})`);

/** The Anthropic-shaped error body, shared by HTTP responses and anything else that reports an error as JSON. */
function errorBody(error: RelayError): { type: "error"; error: { type: RelayErrorType; message: string } } {
  return { type: "error", error: { type: error.type, message: error.message } };
}

/**
 * Narrows anything thrown into a RelayError. What is not one is a bug: its detail goes to `wrangler tail`
 * (our own error messages never hold secrets), and the client only learns that the relay failed.
 */
export function toRelayError(error: unknown): RelayError {
  if (error instanceof RelayError) return error;
  console.error(JSON.stringify({ event: "internal_error", message: describeError(error) }));
  return new RelayError(500, "internal relay error", { cause: error });
}

export function errorResponse(error: unknown, headers?: HeadersInit): Response {
  const relayError = toRelayError(error);
  return Response.json(errorBody(relayError), { status: relayError.status, headers });
}

/** A thrown value's name and message, for logs (never for clients). */
export function describeError(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}
