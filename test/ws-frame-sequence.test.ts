/**
 * One protocol-2 request, frame by frame: accepted, response_start with the genuine upstream status and headers,
 * binary frames whose concatenation is the upstream body to the byte, done. Every text frame says protocol 2.
 */
import { describe, expect, it } from "vitest";
import { sha256Of } from "./helpers/envelope";
import { uniqueKey } from "./helpers/relay";
import { type Frame, TestSocket } from "./helpers/socket";
import { concatBytes } from "./helpers/streams";
import { expectedMessageBytes, fullSyncFrame, streamedBody, ULID } from "./helpers/ws-turns";

/** Every frame of one request, up to and including its `done` or `error`. */
async function collectRequest(socket: TestSocket): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (;;) {
    const frame = await socket.next();
    frames.push(frame);
    if (frame.kind === "text" && (frame.value.type === "done" || frame.value.type === "error")) return frames;
  }
}

function textFrames(frames: Frame[]): Record<string, unknown>[] {
  return frames.flatMap((frame) => (frame.kind === "text" ? [frame.value] : []));
}

function binaryFrames(frames: Frame[]): Uint8Array[] {
  return frames.flatMap((frame) => (frame.kind === "binary" ? [frame.value] : []));
}

describe("the frames of one request", () => {
  it("are accepted, response_start, the exact body as binary frames, then done", async () => {
    const key = uniqueKey("ws-seq");
    const socket = await TestSocket.open(key);
    expect(await socket.nextText()).toEqual({ protocol: 2, type: "ready", state: null });
    const body = streamedBody(key);
    socket.send(await fullSyncFrame({ id: "turn-1", affinity: key, body, revision: 4 }));
    const frames = await collectRequest(socket);

    // Shape of the sequence: two text frames, at least one binary frame, then done, nothing else.
    const kinds = frames.map((frame) => (frame.kind === "text" ? String(frame.value.type) : "binary"));
    expect(kinds.slice(0, 2)).toEqual(["accepted", "response_start"]);
    expect(kinds.at(-1)).toBe("done");
    expect(kinds.slice(2, -1).length).toBeGreaterThan(0);
    expect(kinds.slice(2, -1).every((kind) => kind === "binary")).toBe(true);

    const [accepted, start, done] = textFrames(frames);
    expect(accepted).toEqual({
      protocol: 2,
      type: "accepted",
      id: "turn-1",
      hash: await sha256Of(body),
      revision: 4,
      requestId: expect.stringMatching(ULID),
    });
    expect(start).toEqual({
      protocol: 2,
      type: "response_start",
      id: "turn-1",
      status: 200,
      statusText: "OK",
      headers: expect.any(Object),
    });
    expect(done).toEqual({ protocol: 2, type: "done", id: "turn-1" });

    expect(concatBytes(binaryFrames(frames))).toEqual(expectedMessageBytes());
    socket.close();
  });

  it("forwards the upstream's response headers, with x-relay-request-id equal to accepted.requestId", async () => {
    const key = uniqueKey("ws-seq-headers");
    const socket = await TestSocket.open(key);
    await socket.nextText();
    socket.send(await fullSyncFrame({ id: "h", affinity: key, body: streamedBody(key) }));
    const [accepted, start] = textFrames(await collectRequest(socket));
    const headers = start?.headers;
    if (typeof headers !== "object" || headers === null) throw new Error("response_start has no headers object");
    expect(headers).toMatchObject({
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      "request-id": "req_standin",
      "x-relay-request-id": accepted?.requestId,
    });
    // Hop-by-hop headers describe the relay's own connection to the upstream, not the answer.
    expect(Object.keys(headers)).not.toContain("transfer-encoding");
    expect(Object.keys(headers)).not.toContain("connection");
    expect(Object.keys(headers)).not.toContain("keep-alive");
    socket.close();
  });

  it("carries protocol 2 on every text frame the relay sends, including ready, pong and errors", async () => {
    const key = uniqueKey("ws-seq-protocol");
    const socket = await TestSocket.open(key);
    const seen: Record<string, unknown>[] = [await socket.nextText()];
    socket.send({ protocol: 2, type: "ping" });
    seen.push(await socket.nextText());
    socket.send("not json");
    seen.push(await socket.nextText());
    socket.send(await fullSyncFrame({ id: "p", affinity: key, body: streamedBody(key) }));
    seen.push(...textFrames(await collectRequest(socket)));
    expect(seen.map((frame) => frame.type)).toEqual(["ready", "pong", "error", "accepted", "response_start", "done"]);
    for (const frame of seen) expect(frame.protocol, `frame ${String(frame.type)}`).toBe(2);
    socket.close();
  });

  it("gives each request its own request id", async () => {
    const key = uniqueKey("ws-seq-ids");
    const socket = await TestSocket.open(key);
    await socket.nextText();
    const ids: unknown[] = [];
    for (const id of ["one", "two"]) {
      socket.send(await fullSyncFrame({ id, affinity: key, body: streamedBody(`${key} ${id}`) }));
      const [accepted, start] = textFrames(await collectRequest(socket));
      expect(accepted?.requestId).toMatch(ULID);
      expect(start?.headers).toMatchObject({ "x-relay-request-id": accepted?.requestId });
      ids.push(accepted?.requestId);
    }
    expect(new Set(ids).size).toBe(2);
    socket.close();
  });
});
