/**
 * One session, whatever the transport: a base stored over protocol 1 (HTTP envelope) is patched over protocol 2
 * (WebSocket) and the reverse, and a patch counted in UTF-16 code units rebuilds multi-byte text exactly, as the
 * upstream receives it.
 */
import { describe, expect, it } from "vitest";
import { fullSyncEnvelope, patchEnvelope, postEnvelope, sha256Hex, sha256Of } from "./helpers/envelope";
import { uniqueKey, upstreamSeen } from "./helpers/relay";
import { expectedMessageBytes, fullSyncFrame, openReady, patchFrame, runTurn, streamedBody } from "./helpers/ws-turns";

const encoder = new TextEncoder();

/** Inserts an assistant turn before the closing `]}` of a streamed body: a typical next-turn patch. */
function nextTurn(base: string, reply: string): { patch: { start: number; deleteCount: number; insert: string }; expected: string } {
  const start = base.lastIndexOf("]");
  const insert = `,${JSON.stringify({ role: "assistant", content: reply })}`;
  return { patch: { start, deleteCount: 0, insert }, expected: base.slice(0, start) + insert + base.slice(start) };
}

describe("one session across transports", () => {
  it("patches over WebSocket a base stored by a protocol-1 full_sync over HTTP", async () => {
    const key = uniqueKey("ws-x-http-first");
    const base = streamedBody(`${key} base`);
    const response = await postEnvelope(await fullSyncEnvelope({ affinity: key, body: base, revision: 1 }));
    expect(response.status).toBe(200);
    await response.arrayBuffer();

    const { socket, ready } = await openReady(key);
    expect(ready.state).toEqual({ hash: await sha256Of(base), revision: 1 });
    const { patch, expected } = nextTurn(base, "first answer");
    const standInId = `${key}-patch`;
    const turn = await runTurn(
      socket,
      await patchFrame({ id: "p", affinity: key, base, patch, expected, revision: 2, upstream: { headers: { "x-stand-in-id": standInId } } }),
    );
    expect(turn.accepted).toMatchObject({ hash: await sha256Of(expected), revision: 2 });
    expect(turn.end).toEqual({ protocol: 2, type: "done", id: "p" });
    expect(turn.body).toEqual(expectedMessageBytes());
    expect((await upstreamSeen(standInId))?.body).toBe(expected);
    socket.close();
  });

  it("patches over protocol-1 HTTP a base stored by a full_sync over WebSocket", async () => {
    const key = uniqueKey("ws-x-ws-first");
    const base = streamedBody(`${key} base`);
    const { socket } = await openReady(key);
    const stored = await runTurn(socket, await fullSyncFrame({ id: "f", affinity: key, body: base, revision: 1 }));
    expect(stored.end.type).toBe("done");
    socket.close();

    const { patch, expected } = nextTurn(base, "second answer");
    const standInId = `${key}-http-patch`;
    const response = await postEnvelope(
      await patchEnvelope({ affinity: key, base, patch, expected, revision: 2, upstream: { headers: { "x-stand-in-id": standInId } } }),
    );
    expect(response.status).toBe(200);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(expectedMessageBytes());
    expect((await upstreamSeen(standInId))?.body).toBe(expected);

    const { socket: after, ready } = await openReady(key);
    expect(ready.state).toEqual({ hash: await sha256Of(expected), revision: 2 });
    after.close();
  });

  it("rebuilds a multi-byte body exactly from patches counted in UTF-16 code units", async () => {
    const key = uniqueKey("ws-x-utf16");
    // Two-byte, three-byte and four-byte UTF-8 (the rocket is a surrogate pair: two code units).
    const base = JSON.stringify({ stream: true, messages: [{ role: "user", content: "héllo 世界 🚀 done" }] });
    const { socket } = await openReady(key);
    const first = await runTurn(socket, await fullSyncFrame({ id: "base", affinity: key, body: base }));
    expect(first.end.type).toBe("done");

    const rocket = base.indexOf("🚀");
    const world = base.indexOf("世界");
    const patches = [
      // Replace "世界" (two code units) with a four-byte character and an accent.
      { start: world, deleteCount: 2, insert: "🌍é" },
      // Delete the rocket (both halves of the pair) and insert text after it.
      { start: rocket, deleteCount: 2, insert: "→ ünïcödé ✓ 🎉" },
    ];
    const expected = `${base.slice(0, world)}🌍é${base.slice(world + 2, rocket)}→ ünïcödé ✓ 🎉${base.slice(rocket + 2)}`;
    const standInId = `${key}-patched`;
    const turn = await runTurn(
      socket,
      await patchFrame({ id: "mb", affinity: key, base, patch: patches, expected, upstream: { headers: { "x-stand-in-id": standInId } } }),
    );
    expect(turn.end).toEqual({ protocol: 2, type: "done", id: "mb" });
    const seen = await upstreamSeen(standInId);
    expect(seen?.body).toBe(expected);
    expect(seen?.bodySha256).toBe(await sha256Hex(encoder.encode(expected)));
    expect(seen?.bodyBytes).toBe(encoder.encode(expected).byteLength);
    socket.close();
  });
});
