/** `GET /` is an unauthenticated health check; `/` takes nothing but GET, HEAD and POST; `/_relay/` is reserved. */
import { describe, expect, it } from "vitest";
import { expectRelayError } from "./helpers/errors";
import { adminToken, clientHeaders, relayFetch, uniqueKey, upstreamSeen } from "./helpers/relay";

describe("health", () => {
  it("answers GET / with 200 and the contract's JSON, without a relay token", async () => {
    const response = await relayFetch("/");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const body: unknown = await response.json();
    expect(body).toMatchObject({ status: "ok", transports: ["http", "websocket"] });
  });

  it("answers HEAD / with 200 and no body", async () => {
    const response = await relayFetch("/", { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });

  it("refuses PUT / with 405 method_not_allowed in the contract's error shape", async () => {
    const response = await relayFetch("/", { method: "PUT", headers: clientHeaders(), body: "{}" });
    await expectRelayError(response, 405, "method_not_allowed");
  });

  it("refuses DELETE / with 405 even without a relay token", async () => {
    await expectRelayError(await relayFetch("/", { method: "DELETE" }), 405, "method_not_allowed");
  });

  it("keeps /_relay/ to itself: an unknown /_relay/x is a 404 (admin token) and never reaches the upstream", async () => {
    const id = uniqueKey("reserved");
    const response = await relayFetch("/_relay/x", {
      headers: clientHeaders({ "x-relay-admin-token": adminToken(), "x-stand-in-id": id, "x-stand-in-scenario": "echo" }),
    });
    await expectRelayError(response, 404, "not_found");
    expect(await upstreamSeen(id)).toBeNull();
  });

  it("keeps the bare /_relay path to itself too", async () => {
    const id = uniqueKey("reserved-bare");
    const response = await relayFetch("/_relay", { headers: clientHeaders({ "x-relay-admin-token": adminToken(), "x-stand-in-id": id }) });
    await expectRelayError(response, 404, "not_found");
    expect(await upstreamSeen(id)).toBeNull();
  });

  it("does not relay /_relay/ for a client with only the relay token: 401, nothing sent", async () => {
    const id = uniqueKey("reserved-client");
    const response = await relayFetch("/_relay/x", {
      method: "POST",
      headers: clientHeaders({ "x-stand-in-id": id, "x-stand-in-scenario": "echo" }),
      body: "{}",
    });
    await expectRelayError(response, 401, "authentication_error");
    expect(await upstreamSeen(id)).toBeNull();
  });
});
