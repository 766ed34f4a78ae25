/**
 * Every error the relay itself produces is the Anthropic-shaped JSON of the contract, with its status, its
 * snake_case type, a message and no stack, and carries `x-relay-request-id`.
 */
import { describe, expect, it } from "vitest";
import { fullSyncEnvelope, patchEnvelope, postEnvelope } from "./helpers/envelope";
import { expectRelayError, type RelayErrorType } from "./helpers/errors";
import { adminToken, clientHeaders, relayFetch, UNREACHABLE, uniqueKey } from "./helpers/relay";

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

interface Case {
  name: string;
  status: number;
  type: RelayErrorType;
  send: () => Promise<Response>;
}

const cases: Case[] = [
  {
    name: "a bad envelope",
    status: 400,
    type: "invalid_request",
    send: () => postEnvelope({ protocol: 1 }),
  },
  {
    name: "a missing relay token",
    status: 401,
    type: "authentication_error",
    send: () => relayFetch("/v1/messages", { method: "POST", body: "{}" }),
  },
  {
    name: "an origin off the allowlist",
    status: 403,
    type: "upstream_not_allowed",
    send: async () =>
      postEnvelope(await fullSyncEnvelope({ affinity: uniqueKey("e403"), body: "{}", upstream: { url: "https://evil.example/v1" } })),
  },
  {
    name: "an unknown /_relay/ route",
    status: 404,
    type: "not_found",
    send: () => relayFetch("/_relay/nothing-here", { headers: { "x-relay-admin-token": adminToken() } }),
  },
  {
    name: "PATCH /",
    status: 405,
    type: "method_not_allowed",
    send: () => relayFetch("/", { method: "PATCH", headers: clientHeaders(), body: "{}" }),
  },
  {
    name: "a patch on a session without a base",
    status: 409,
    type: "state_mismatch",
    send: async () =>
      postEnvelope(
        await patchEnvelope({ affinity: uniqueKey("e409"), base: "a", patch: { start: 0, deleteCount: 0, insert: "b" }, expected: "ba" }),
      ),
  },
  {
    name: "a body over MAX_REQUEST_BYTES",
    status: 413,
    type: "request_too_large",
    send: () =>
      relayFetch("/v1/messages", { method: "POST", headers: clientHeaders(), body: new Uint8Array(8 * 1024 * 1024 + 1) }),
  },
  {
    name: "an unreachable upstream",
    status: 502,
    type: "upstream_unreachable",
    send: async () =>
      postEnvelope(await fullSyncEnvelope({ affinity: uniqueKey("e502"), body: "{}", upstream: { url: `${UNREACHABLE}/v1/messages` } })),
  },
];

describe("relay errors", () => {
  it.each(cases)("$name gives $status $type in the contract's shape, with a request id", async ({ status, type, send }) => {
    const response = await send();
    expect(response.headers.get("x-relay-request-id")).toMatch(ULID);
    await expectRelayError(response, status, type);
  });

  it("never shows an internal message: errors name the problem, not the code", async () => {
    const response = await postEnvelope("{not json");
    const message = await expectRelayError(response, 400, "invalid_request");
    expect(message).not.toMatch(/SyntaxError|JSON\.parse|at position|Unexpected token/);
  });
});
