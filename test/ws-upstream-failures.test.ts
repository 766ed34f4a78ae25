/**
 * Upstream failures over protocol 2: an error status is a genuine answer (response_start, body, done); an
 * unreachable upstream, a timeout before headers, and a stream broken off midway end in `error` with the
 * relay's status, after whatever bytes did arrive. The socket keeps working after each.
 */
import { describe, expect, it } from "vitest";
import { errorJson, messageEvents } from "../tools/stand-in/messages.js";
import { UNREACHABLE, uniqueKey } from "./helpers/relay";
import type { TestSocket } from "./helpers/socket";
import { concatBytes } from "./helpers/streams";
import { expectSocketWorks, fullSyncFrame, openReady, readTurn, streamedBody } from "./helpers/ws-turns";

const encoder = new TextEncoder();

const failed = (id: string, status: number): Record<string, unknown> => ({
  protocol: 2,
  type: "error",
  id,
  status,
  message: expect.any(String),
});

/** After response_start: the binary frames, then the closing text frame. */
async function readBodyAndEnd(socket: TestSocket): Promise<{ body: Uint8Array; end: Record<string, unknown> }> {
  const chunks: Uint8Array[] = [];
  for (;;) {
    const frame = await socket.next();
    if (frame.kind === "text") return { body: concatBytes(chunks), end: frame.value };
    chunks.push(frame.value);
  }
}

async function send(socket: TestSocket, key: string, id: string, headers: Record<string, string>, url?: string): Promise<void> {
  socket.send(await fullSyncFrame({ id, affinity: key, body: streamedBody(`${key} ${id}`), upstream: { headers, url } }));
}

describe("upstream failures over WebSocket", () => {
  it("relays an upstream 500 as response_start 500, the error body as binary, then done", async () => {
    const key = uniqueKey("ws-fail-500");
    const { socket } = await openReady(key);
    await send(socket, key, "e500", { "x-stand-in-scenario": "status", "x-stand-in-status": "500" });
    const turn = await readTurn(socket, "e500");
    expect(turn.start).toMatchObject({ status: 500, statusText: "Internal Server Error" });
    expect(turn.start.headers).toMatchObject({ "content-type": "application/json", "x-request-id": "req_standin" });
    expect(turn.body).toEqual(encoder.encode(JSON.stringify(errorJson(500))));
    expect(turn.end).toEqual({ protocol: 2, type: "done", id: "e500" });
    await expectSocketWorks(socket, key);
    socket.close();
  });

  it("relays an ignored status (429) the same way", async () => {
    const key = uniqueKey("ws-fail-429");
    const { socket } = await openReady(key);
    await send(socket, key, "e429", { "x-stand-in-scenario": "status", "x-stand-in-status": "429" });
    const turn = await readTurn(socket, "e429");
    expect(turn.start.status).toBe(429);
    expect(turn.body).toEqual(encoder.encode(JSON.stringify(errorJson(429))));
    expect(turn.end).toEqual({ protocol: 2, type: "done", id: "e429" });
    socket.close();
  });

  it("ends a request to an unreachable upstream with error 502", async () => {
    const key = uniqueKey("ws-fail-502");
    const { socket } = await openReady(key);
    await send(socket, key, "gone", {}, `${UNREACHABLE}/v1/messages`);
    expect(await socket.nextText()).toMatchObject({ type: "accepted", id: "gone" });
    expect(await socket.nextText()).toEqual(failed("gone", 502));
    await expectSocketWorks(socket, key);
    socket.close();
  });

  it("ends a request whose upstream sends no headers within UPSTREAM_TIMEOUT_MS (1500 ms) with error 504", async () => {
    const key = uniqueKey("ws-fail-504");
    const { socket } = await openReady(key);
    await send(socket, key, "slow", { "x-stand-in-scenario": "hang" });
    expect(await socket.nextText()).toMatchObject({ type: "accepted", id: "slow" });
    expect(await socket.nextText(5000)).toEqual(failed("slow", 504));
    await expectSocketWorks(socket, key);
    socket.close();
  });

  it("sends the bytes that arrived, then error 502, when the upstream resets mid-stream", async () => {
    const key = uniqueKey("ws-fail-reset");
    const { socket } = await openReady(key);
    await send(socket, key, "reset", { "x-stand-in-scenario": "reset", "x-stand-in-events": "3" });
    expect(await socket.nextText()).toMatchObject({ type: "accepted", id: "reset" });
    expect(await socket.nextText()).toMatchObject({ type: "response_start", id: "reset", status: 200 });
    const { body, end } = await readBodyAndEnd(socket);
    expect(body).toEqual(encoder.encode(messageEvents({ deltas: 20 }).slice(0, 3).join("")));
    expect(end).toEqual(failed("reset", 502));
    await expectSocketWorks(socket, key);
    socket.close();
  });

  it("sends the partial event, then error 502, when the upstream resets in the middle of an event", async () => {
    const key = uniqueKey("ws-fail-mid-event");
    const { socket } = await openReady(key);
    await send(socket, key, "cut", { "x-stand-in-scenario": "reset-mid-event", "x-stand-in-events": "2" });
    expect(await socket.nextText()).toMatchObject({ type: "accepted", id: "cut" });
    expect(await socket.nextText()).toMatchObject({ type: "response_start", id: "cut", status: 200 });
    const { body, end } = await readBodyAndEnd(socket);
    const sent = `${messageEvents({ deltas: 20 }).slice(0, 2).join("")}event: content_block_delta\ndata: {"type":"content_bl`;
    expect(body).toEqual(encoder.encode(sent));
    expect(end).toEqual(failed("cut", 502));
    socket.close();
  });

  it("ends a fixed-length body cut short with error 502, never done", async () => {
    const key = uniqueKey("ws-fail-short");
    const { socket } = await openReady(key);
    await send(socket, key, "short", { "x-stand-in-scenario": "short-length" });
    expect(await socket.nextText()).toMatchObject({ type: "accepted", id: "short" });
    expect(await socket.nextText()).toMatchObject({ type: "response_start", id: "short", status: 200 });
    const { body, end } = await readBodyAndEnd(socket);
    expect(body).toEqual(encoder.encode('{"partial":'));
    expect(end).toEqual(failed("short", 502));
    socket.close();
  });

  it("relays a redirect as the upstream's own 307, without following it", async () => {
    const key = uniqueKey("ws-fail-redirect");
    const { socket } = await openReady(key);
    await send(socket, key, "moved", { "x-stand-in-scenario": "redirect" });
    const turn = await readTurn(socket, "moved");
    expect(turn.start).toMatchObject({ status: 307, headers: { location: "http://127.0.0.1:1/elsewhere" } });
    expect(turn.body).toEqual(encoder.encode("redirected"));
    expect(turn.end).toEqual({ protocol: 2, type: "done", id: "moved" });
    socket.close();
  });
});
