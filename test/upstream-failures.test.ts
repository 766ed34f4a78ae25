/**
 * When the upstream fails the client learns it: 502 when it cannot be reached, 504 when it sends no headers in
 * time, and a body that breaks mid-way never looks complete (SSE: a closing `event: error`; anything else: the
 * body read fails). The session keeps working afterwards.
 */
import { describe, expect, it } from "vitest";
import { messageEvents, messageJson } from "../tools/stand-in/messages.js";
import { fullSyncEnvelope, postEnvelope } from "./helpers/envelope";
import { expectRelayError } from "./helpers/errors";
import { clientHeaders, eventually, relayFetch, UNREACHABLE, uniqueKey, upstreamSeen } from "./helpers/relay";
import { expectStreamBrokenTail } from "./helpers/streams";

const MID_EVENT = 'event: content_block_delta\ndata: {"type":"content_bl';

function transparent(key: string, headers: Record<string, string>): Promise<Response> {
  return relayFetch("/v1/messages", {
    method: "POST",
    headers: clientHeaders({ "x-session-affinity": key, ...headers }),
    body: "{}",
  });
}

/** A plain request on the same session: proves the session still works after a failure. */
async function expectSessionWorks(key: string): Promise<void> {
  const response = await transparent(key, { "x-stand-in-deltas": "2" });
  expect(response.status).toBe(200);
  expect(await response.text()).toBe(JSON.stringify(messageJson({ deltas: 2 })));
}

describe("upstream failures before the response", () => {
  it("answers 502 upstream_unreachable when nothing listens at an allowlisted origin", async () => {
    const key = uniqueKey("unreachable");
    const envelope = await fullSyncEnvelope({ affinity: key, body: "{}", upstream: { url: `${UNREACHABLE}/v1/messages` } });
    const response = await postEnvelope(envelope);
    expect(response.headers.get("x-relay-request-id")).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    await expectRelayError(response, 502, "upstream_unreachable");
    const again = await postEnvelope(await fullSyncEnvelope({ affinity: key, body: "{}", revision: 2 }));
    expect(again.status).toBe(200);
    expect(await again.text()).toBe(JSON.stringify(messageJson()));
  });

  it("answers 504 upstream_timeout when no headers come within UPSTREAM_TIMEOUT_MS, and ends that request", async () => {
    const key = uniqueKey("hang");
    const response = await transparent(key, { "x-stand-in-scenario": "hang", "x-stand-in-id": key });
    await expectRelayError(response, 504, "upstream_timeout");
    expect(await eventually(async () => (await upstreamSeen(key))?.aborted)).toBe(true);
    await expectSessionWorks(key);
  });
});

describe("an SSE stream that breaks mid-way", () => {
  it("ends with the bytes that arrived, then a separate upstream_stream_broken error event (reset between events)", async () => {
    const key = uniqueKey("reset");
    const response = await transparent(key, { "x-stand-in-scenario": "reset", "x-stand-in-events": "3" });
    expect(response.status).toBe(200);
    const arrived = messageEvents({ deltas: 20 }).slice(0, 3).join("");
    expectStreamBrokenTail(await response.text(), arrived);
    await expectSessionWorks(key);
  });

  it("closes a half-written event before its error event (reset mid-event)", async () => {
    const key = uniqueKey("reset-mid");
    const response = await transparent(key, { "x-stand-in-scenario": "reset-mid-event", "x-stand-in-events": "4" });
    const arrived = messageEvents({ deltas: 20 }).slice(0, 4).join("") + MID_EVENT;
    expectStreamBrokenTail(await response.text(), arrived);
    await expectSessionWorks(key);
  });

  it("does the same over protocol 1", async () => {
    const key = uniqueKey("reset-p1");
    const headers = { "x-stand-in-scenario": "reset-mid-event", "x-stand-in-events": "2" };
    const response = await postEnvelope(await fullSyncEnvelope({ affinity: key, body: "{}", upstream: { headers } }));
    expect(response.status).toBe(200);
    const arrived = messageEvents({ deltas: 20 }).slice(0, 2).join("") + MID_EVENT;
    expectStreamBrokenTail(await response.text(), arrived);
    const again = await postEnvelope(await fullSyncEnvelope({ affinity: key, body: "{}", revision: 2 }));
    expect(await again.text()).toBe(JSON.stringify(messageJson()));
  });
});

describe("any other body that breaks mid-way", () => {
  it("makes the client's body read fail for a JSON body reset by the upstream", async () => {
    const key = uniqueKey("reset-json");
    const response = await transparent(key, { "x-stand-in-scenario": "reset", "x-stand-in-content-type": "application/json" });
    expect(response.status).toBe(200);
    await expect(response.arrayBuffer()).rejects.toThrow();
    await expectSessionWorks(key);
  });

  it("makes the client's body read fail for a body shorter than its content-length", async () => {
    const key = uniqueKey("short");
    const response = await transparent(key, { "x-stand-in-scenario": "short-length" });
    expect(response.status).toBe(200);
    await expect(response.arrayBuffer()).rejects.toThrow();
    await expectSessionWorks(key);
  });

  it("makes the client's body read fail over protocol 1 too", async () => {
    const key = uniqueKey("short-p1");
    const headers = { "x-stand-in-scenario": "short-length" };
    const response = await postEnvelope(await fullSyncEnvelope({ affinity: key, body: "{}", upstream: { headers } }));
    expect(response.status).toBe(200);
    await expect(response.arrayBuffer()).rejects.toThrow();
  });
});
