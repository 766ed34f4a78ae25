/** The WebSocket upgrade at `/ws`: authentication (header or `?token=`), the affinity key, method and headers. */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { expectRelayError } from "./helpers/errors";
import { RELAY, relayFetch, relayToken, uniqueKey } from "./helpers/relay";
import { TestSocket } from "./helpers/socket";

function upgrade(query: string, headers: Record<string, string> = {}): Promise<Response> {
  return relayFetch(`/ws${query}`, { headers: { upgrade: "websocket", ...headers } });
}

type IncomingRequest = Request<unknown, IncomingRequestCfProperties>;

/** Calls the entry Worker's handler directly, with an env of the test's choosing. */
function callWorker(request: IncomingRequest, workerEnv: Env): Promise<Response> {
  return worker.fetch(request, workerEnv, createExecutionContext());
}

/** Accepts a 101's socket so the session object does not hold it open, and closes it. */
function release(response: Response): void {
  response.webSocket?.accept();
  response.webSocket?.close(1000, "test done");
}

describe("WebSocket upgrade", () => {
  it("answers 101 with the token in the x-relay-token header", async () => {
    const response = await upgrade(`?affinity=${uniqueKey("ws-up-header")}`, { "x-relay-token": relayToken() });
    expect(response.status).toBe(101);
    expect(response.webSocket).not.toBeNull();
    release(response);
  });

  it("answers 101 with the token in the token query parameter (old clients)", async () => {
    const key = uniqueKey("ws-up-query");
    const response = await upgrade(`?affinity=${key}&token=${encodeURIComponent(relayToken())}`);
    expect(response.status).toBe(101);
    release(response);
    // And the socket is a working protocol-2 session.
    const socket = await TestSocket.open(key, { via: "query" });
    expect(await socket.nextText()).toEqual({ protocol: 2, type: "ready", state: null });
    socket.close();
  });

  it("refuses a missing token with 401", async () => {
    const response = await upgrade(`?affinity=${uniqueKey("ws-up-none")}`);
    await expectRelayError(response, 401, "authentication_error");
  });

  it("refuses a wrong header token with 401", async () => {
    const response = await upgrade(`?affinity=${uniqueKey("ws-up-wrong")}`, { "x-relay-token": `${relayToken()}x` });
    await expectRelayError(response, 401, "authentication_error");
  });

  it("refuses a wrong query token with 401", async () => {
    const response = await upgrade(`?affinity=${uniqueKey("ws-up-wrong-q")}&token=not-the-token`);
    await expectRelayError(response, 401, "authentication_error");
  });

  it("refuses a missing affinity with 400", async () => {
    const response = await upgrade("", { "x-relay-token": relayToken() });
    await expectRelayError(response, 400, "invalid_request");
  });

  it.each([
    ["a space", "has space"],
    ["a control character", "tab\there"],
    ["257 characters", "k".repeat(257)],
    ["an empty value", ""],
  ])("refuses an affinity with %s with 400", async (_what, affinity) => {
    const response = await upgrade(`?affinity=${encodeURIComponent(affinity)}`, { "x-relay-token": relayToken() });
    await expectRelayError(response, 400, "invalid_request");
  });

  it("accepts an affinity of 256 visible ASCII characters", async () => {
    const key = `${uniqueKey("ws-up-long")}-`.padEnd(256, "~");
    const response = await upgrade(`?affinity=${encodeURIComponent(key)}`, { "x-relay-token": relayToken() });
    expect(response.status).toBe(101);
    release(response);
  });

  it("refuses GET /ws without Upgrade: websocket with 400", async () => {
    const response = await relayFetch(`/ws?affinity=${uniqueKey("ws-up-plain")}`, {
      headers: { "x-relay-token": relayToken() },
    });
    await expectRelayError(response, 400, "invalid_request");
  });

  it("refuses POST /ws with 405", async () => {
    const response = await relayFetch(`/ws?affinity=${uniqueKey("ws-up-post")}`, {
      method: "POST",
      headers: { "x-relay-token": relayToken(), "content-type": "application/json" },
      body: "{}",
    });
    await expectRelayError(response, 405, "method_not_allowed");
  });

  it("refuses POST /ws with 405 even when it asks for an upgrade", async () => {
    // Called directly: workerd's own fetch turns any request carrying Upgrade: websocket into a GET.
    const request: IncomingRequest = new Request<unknown, IncomingRequestCfProperties>(`${RELAY}/ws?affinity=${uniqueKey("ws-up-post-up")}`, {
      method: "POST",
      headers: { "x-relay-token": relayToken(), upgrade: "websocket" },
      body: "{}",
    });
    await expectRelayError(await callWorker(request, env), 405, "method_not_allowed");
  });

  it("fails closed with 503 when RELAY_TOKEN is unset, whatever token is presented", async () => {
    const unset: Env = { ...env };
    Reflect.deleteProperty(unset, "RELAY_TOKEN");
    const request: IncomingRequest = new Request<unknown, IncomingRequestCfProperties>(`${RELAY}/ws?affinity=${uniqueKey("ws-up-unset")}&token=anything`, {
      headers: { upgrade: "websocket", "x-relay-token": relayToken() },
    });
    await expectRelayError(await callWorker(request, unset), 503, "relay_not_configured");
  });
});
