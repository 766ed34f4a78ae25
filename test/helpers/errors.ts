/** Assertions on the relay's own errors: the contract's exact JSON shape. */
import { expect } from "vitest";
import { isRecord } from "../../src/protocol";

export type RelayErrorType =
  | "invalid_request"
  | "authentication_error"
  | "upstream_not_allowed"
  | "not_found"
  | "method_not_allowed"
  | "state_mismatch"
  | "request_too_large"
  | "upstream_unreachable"
  | "relay_not_configured"
  | "upstream_timeout";

/**
 * Asserts `response` is the relay's error: exactly `{"type":"error","error":{"type":<type>,"message":<string>}}`
 * with `status`, nothing more. Returns the message.
 */
export async function expectRelayError(response: Response, status: number, type: RelayErrorType): Promise<string> {
  const text = await response.text();
  expect({ status: response.status, text }).toMatchObject({ status });
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const parsed: unknown = JSON.parse(text);
  if (!isRecord(parsed) || !isRecord(parsed.error)) throw new Error(`not the error shape: ${text}`);
  expect(Object.keys(parsed).sort()).toEqual(["error", "type"]);
  expect(Object.keys(parsed.error).sort()).toEqual(["message", "type"]);
  expect(parsed.type).toBe("error");
  expect(parsed.error.type).toBe(type);
  const message = parsed.error.message;
  if (typeof message !== "string" || message === "") throw new Error(`error.message is not a non-empty string: ${text}`);
  expect(message).not.toMatch(/\n\s+at /);
  return message;
}

/** Asserts an error message names `field` first: the field itself, not a longer name starting with it. */
export function expectNamesField(message: string, field: string): void {
  const escaped = field.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  expect(message).toMatch(new RegExp(`^${escaped}(?![\\w.\\[])`));
}
