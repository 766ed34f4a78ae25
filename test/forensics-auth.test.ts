/**
 * The forensics API's door: absent (404) while ADMIN_TOKEN is unset, 401 without the right `x-relay-admin-token`,
 * read-only (405), 400 for parameters it cannot read, 404 for what does not exist.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { expectRelayError } from "./helpers/errors";
import { adminFetch, delivered, statusHeaders, transparentRequest } from "./helpers/journal";
import { adminToken, RELAY, relayFetch, relayToken, uniqueKey } from "./helpers/relay";

const ROUTES = ["/_relay/errors", "/_relay/errors/01ARZ3NDEKTSV4RRFFQ69G5FAV", "/_relay/sessions/some-session", "/_relay/sessions/some-session/errors"];

/** The test env with ADMIN_TOKEN replaced, or removed altogether (null). */
function envWithAdminToken(token: string | null): Env {
  const copy: Env = { ...env };
  if (token === null) Reflect.deleteProperty(copy, "ADMIN_TOKEN");
  else copy.ADMIN_TOKEN = token;
  return copy;
}

describe("ADMIN_TOKEN unset", () => {
  it.each([
    ["removed", null],
    ["empty", ""],
  ])("answers 404 on every forensics route when ADMIN_TOKEN is %s, whatever token is presented", async (_label, token) => {
    const closed = envWithAdminToken(token);
    for (const route of ROUTES) {
      for (const presented of [adminToken(), "", null]) {
        const headers: Record<string, string> = presented === null ? {} : { "x-relay-admin-token": presented };
        const response = await worker.fetch(new Request(`${RELAY}${route}`, { headers }), closed, createExecutionContext());
        await expectRelayError(response, 404, "not_found");
      }
    }
  });
});

describe("authentication", () => {
  it("answers 401 without x-relay-admin-token", async () => {
    for (const route of ROUTES) await expectRelayError(await relayFetch(route), 401, "authentication_error");
  });

  const WRONG_TOKENS: Array<[string, () => string]> = [
    ["a wrong token", () => "not-the-admin-token"],
    ["the relay token", () => relayToken()],
    ["the token without its last character", () => adminToken().slice(0, -1)],
    ["the token with one character more", () => `${adminToken()}x`],
    ["the token in upper case", () => adminToken().toUpperCase()],
  ];

  it.each(WRONG_TOKENS)("answers 401 for %s", async (_label, token) => {
    for (const route of ROUTES) {
      await expectRelayError(await relayFetch(route, { headers: { "x-relay-admin-token": token() } }), 401, "authentication_error");
    }
  });

  it("does not take the admin token from a query parameter or Authorization", async () => {
    const token = encodeURIComponent(adminToken());
    await expectRelayError(await relayFetch(`/_relay/errors?token=${token}&x-relay-admin-token=${token}`), 401, "authentication_error");
    await expectRelayError(await relayFetch("/_relay/errors", { headers: { authorization: `Bearer ${adminToken()}` } }), 401, "authentication_error");
  });

  it("answers 200 with the right token", async () => {
    const response = await adminFetch("/_relay/errors");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ errors: expect.any(Array) });
  });
});

describe("methods", () => {
  it.each(["POST", "PUT", "PATCH", "DELETE"])("answers 405 to %s", async (method) => {
    for (const route of ROUTES) {
      const response = await adminFetch(route, { method, body: method === "DELETE" ? null : "{}" });
      await expectRelayError(response, 405, "method_not_allowed");
    }
  });
});

describe("bad parameters", () => {
  it.each(["0", "-1", "1.5", "abc", "", "1001", "1e2", " 5"])("answers 400 for limit=%j on /_relay/errors", async (limit) => {
    await expectRelayError(await adminFetch(`/_relay/errors?limit=${encodeURIComponent(limit)}`), 400, "invalid_request");
  });

  it.each(["0", "101", "x"])("answers 400 for limit=%j on a session's errors", async (limit) => {
    await expectRelayError(await adminFetch(`/_relay/sessions/some-session/errors?limit=${limit}`), 400, "invalid_request");
  });

  it.each(["abc", "99", "600", "5000", "50", "", "5xx"])("answers 400 for status=%j", async (status) => {
    await expectRelayError(await adminFetch(`/_relay/errors?status=${encodeURIComponent(status)}`), 400, "invalid_request");
  });

  it.each(["", "has space", "x".repeat(257), "tab\there", "é"])("answers 400 for session=%j", async (session) => {
    await expectRelayError(await adminFetch(`/_relay/errors?session=${encodeURIComponent(session)}`), 400, "invalid_request");
  });

  it.each(["not-a-cursor!", "eyJ4IjoxfQ", btoa(JSON.stringify({ c: null, s: -1 })), btoa(JSON.stringify({ c: 5, s: 0 })), btoa("[]")])(
    "answers 400 for cursor=%j",
    async (cursor) => {
      await expectRelayError(await adminFetch(`/_relay/errors?cursor=${encodeURIComponent(cursor)}`), 400, "invalid_request");
    },
  );

  it.each(["not-a-ulid", "01ARZ3NDEKTSV4RRFFQ69G5FA", "01ARZ3NDEKTSV4RRFFQ69G5FAVX", "01ARZ3NDEKTSV4RRFFQ69G5FAU", "%E0%A4%A"])(
    "answers 400 for the record id %j",
    async (id) => {
      await expectRelayError(await adminFetch(`/_relay/errors/${id}`), 400, "invalid_request");
    },
  );

  it.each(["has%20space", "%09tab", "x".repeat(257)])("answers 400 for the session key %j in the path", async (segment) => {
    await expectRelayError(await adminFetch(`/_relay/sessions/${segment}`), 400, "invalid_request");
    await expectRelayError(await adminFetch(`/_relay/sessions/${segment}/errors`), 400, "invalid_request");
  });
});

describe("what does not exist", () => {
  it("answers 404 for a well-formed id that no record has", async () => {
    const key = uniqueKey("auth-known");
    const response = await transparentRequest(key, statusHeaders(500));
    await response.text();
    await delivered(key);
    await expectRelayError(await adminFetch("/_relay/errors/01ARZ3NDEKTSV4RRFFQ69G5FAV"), 404, "not_found");
  });

  it.each(["/_relay", "/_relay/", "/_relay/nothing", "/_relay/errors/01ARZ3NDEKTSV4RRFFQ69G5FAV/extra", "/_relay/sessions", "/_relay/sessions/k/other", "/_relay/sessions/k/errors/extra"])(
    "answers 404 for the unknown path %s",
    async (path) => {
      await expectRelayError(await adminFetch(path), 404, "not_found");
    },
  );

  it("answers 401, not 404, for an unknown path without the token: nothing is learned without it", async () => {
    await expectRelayError(await relayFetch("/_relay/nothing"), 401, "authentication_error");
  });
});
