/**
 * The body's binary frames: many small upstream chunks are gathered into fewer frames (WS_COALESCE_MS 20,
 * WS_COALESCE_BYTES 1024), large chunks pass through, and the concatenation is always exactly the upstream body.
 */
import { describe, expect, it } from "vitest";
import { messageEvents } from "../tools/stand-in/messages.js";
import { sha256Hex } from "./helpers/envelope";
import { uniqueKey, upstreamSeen } from "./helpers/relay";
import { fullSyncFrame, openReady, runTurn, streamedBody } from "./helpers/ws-turns";

const encoder = new TextEncoder();

/** What the stand-in's `bytes` scenario sends: each chunk is `a..z` repeated from its start, cut to length. */
function expectedBytes(total: number, chunkBytes: number): Uint8Array {
  const out = new Uint8Array(total);
  for (let index = 0; index < total; index += 1) out[index] = 97 + ((index % chunkBytes) % 26);
  return out;
}

describe("binary frame coalescing", () => {
  it("sends fewer frames than the upstream sent events, and exactly the upstream's bytes", async () => {
    const key = uniqueKey("ws-coalesce-small");
    const { socket } = await openReady(key);
    const deltas = 200;
    const events = messageEvents({ deltas });
    const standInId = `${key}-deltas`;
    // A pause before each event, so each one reaches the relay as a chunk of its own.
    const headers = { "x-stand-in-deltas": String(deltas), "x-stand-in-delay-ms": "2", "x-stand-in-id": standInId };
    const turn = await runTurn(socket, await fullSyncFrame({ id: "many", affinity: key, body: streamedBody(key), upstream: { headers } }));
    expect(turn.end).toEqual({ protocol: 2, type: "done", id: "many" });
    expect(turn.body).toEqual(encoder.encode(events.join("")));
    expect((await upstreamSeen(standInId))?.finished).toBe(true);
    expect(turn.frames).toBeGreaterThan(0);
    expect(turn.frames).toBeLessThan(events.length);
    socket.close();
  });

  it("passes large upstream chunks through exactly", async () => {
    const key = uniqueKey("ws-coalesce-large");
    const { socket } = await openReady(key);
    const total = 1_000_003;
    const chunkBytes = 4096;
    const headers = {
      "x-stand-in-scenario": "bytes",
      "x-stand-in-bytes": String(total),
      "x-stand-in-chunk-bytes": String(chunkBytes),
    };
    const turn = await runTurn(socket, await fullSyncFrame({ id: "large", affinity: key, body: streamedBody(key), upstream: { headers } }));
    expect(turn.start).toMatchObject({ status: 200, headers: { "content-type": "application/octet-stream" } });
    expect(turn.end).toEqual({ protocol: 2, type: "done", id: "large" });
    expect(turn.body.byteLength).toBe(total);
    // Compared by digest: a million-element diff helps nobody.
    expect(await sha256Hex(turn.body)).toBe(await sha256Hex(expectedBytes(total, chunkBytes)));
    socket.close();
  });

  it("keeps several bodies apart on one socket: each request gets exactly its own bytes", async () => {
    const key = uniqueKey("ws-coalesce-apart");
    const { socket } = await openReady(key);
    for (const deltas of [1, 37, 0]) {
      const headers = { "x-stand-in-deltas": String(deltas), "x-stand-in-delay-ms": "1" };
      const id = `d${deltas}`;
      const turn = await runTurn(socket, await fullSyncFrame({ id, affinity: key, body: streamedBody(`${key} ${id}`), upstream: { headers } }));
      expect(turn.end).toEqual({ protocol: 2, type: "done", id });
      expect(turn.body).toEqual(encoder.encode(messageEvents({ deltas }).join("")));
    }
    socket.close();
  });
});
