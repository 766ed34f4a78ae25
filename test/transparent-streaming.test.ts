/**
 * Transparent mode streams the upstream body byte for byte and never buffers it: an SSE event reaches the client
 * while the upstream is still writing the rest of the answer.
 */
import { describe, expect, it } from "vitest";
import { messageEvents } from "../tools/stand-in/messages.js";
import { sha256Hex } from "./helpers/envelope";
import { bodyBytes, clientHeaders, eventually, relayFetch, UPSTREAM, uniqueKey, upstreamSeen } from "./helpers/relay";
import { readRest, readUntil } from "./helpers/streams";

const STREAM_BODY = JSON.stringify({ model: "m", max_tokens: 5, stream: true });

describe("transparent streaming", () => {
  it("relays an SSE answer byte for byte, equal to a direct fetch and to the stand-in's events", async () => {
    const headers = { "x-stand-in-deltas": "7" };
    const relayed = await relayFetch("/v1/messages", { method: "POST", headers: clientHeaders(headers), body: STREAM_BODY });
    const direct = await fetch(`${UPSTREAM}/v1/messages`, { method: "POST", headers, body: STREAM_BODY });
    expect(relayed.status).toBe(200);
    expect(relayed.headers.get("content-type")).toBe("text/event-stream");
    const relayedBytes = await bodyBytes(relayed);
    expect(relayedBytes).toEqual(await bodyBytes(direct));
    expect(new TextDecoder().decode(relayedBytes)).toBe(messageEvents({ deltas: 7 }).join(""));
  });

  it("hands the first event to the client while the upstream has not finished", async () => {
    const id = uniqueKey("early");
    const events = messageEvents({ deltas: 6 });
    const response = await relayFetch("/v1/messages", {
      method: "POST",
      headers: clientHeaders({ "x-stand-in-id": id, "x-stand-in-delay-ms": "150", "x-stand-in-deltas": "6" }),
      body: STREAM_BODY,
    });
    expect(response.status).toBe(200);
    const reader = response.body?.getReader();
    if (!reader) throw new Error("no body");
    const first = await readUntil(reader, "\n\n");
    expect(first.startsWith(events[0] ?? "missing")).toBe(true);
    expect(events.join("").startsWith(first)).toBe(true);
    // The stand-in still has most of the answer to write: the relay did not wait for it.
    expect(await upstreamSeen(id)).toMatchObject({ finished: false, aborted: false });
    const rest = await readRest(reader);
    expect(first + rest).toBe(events.join(""));
    await eventually(async () => (await upstreamSeen(id))?.finished);
  });

  it("relays a 3 MB binary body byte for byte", async () => {
    const headers = { "x-stand-in-scenario": "bytes", "x-stand-in-bytes": String(3 * 1024 * 1024 + 7) };
    const relayed = await relayFetch("/v1/files/x", { headers: clientHeaders(headers) });
    const direct = await fetch(`${UPSTREAM}/v1/files/x`, { headers });
    const relayedBytes = await bodyBytes(relayed);
    expect(relayedBytes.byteLength).toBe(3 * 1024 * 1024 + 7);
    expect(await sha256Hex(relayedBytes)).toBe(await sha256Hex(await bodyBytes(direct)));
  });
});
