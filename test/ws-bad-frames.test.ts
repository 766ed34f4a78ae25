/**
 * Frames the relay cannot act on: each gets one `error` frame with the right status, carrying `id` only when the
 * frame named a valid one, and the socket stays open and keeps working (ping/pong and a real request).
 */
import { describe, expect, it } from "vitest";
import { sha256Of } from "./helpers/envelope";
import { uniqueKey, upstreamSeen } from "./helpers/relay";
import type { TestSocket } from "./helpers/socket";
import { expectSocketWorks, fullSyncFrame, openReady, patchFrame, runTurn, streamedBody } from "./helpers/ws-turns";

/** MAX_REQUEST_BYTES in the test runtime (vitest.config.ts). */
const MAX_REQUEST_BYTES = 8 * 1024 * 1024;

interface BadFrame {
  name: string;
  status: number;
  /** The id the error must carry; absent when the frame had no valid one. */
  id?: string;
  send: (socket: TestSocket, key: string) => Promise<void>;
}

const validRequest = (key: string, id: string): Promise<Record<string, unknown>> =>
  fullSyncFrame({ id, affinity: key, body: streamedBody(`${key} ${id}`) });

const without = (frame: Record<string, unknown>, field: string): Record<string, unknown> =>
  Object.fromEntries(Object.entries(frame).filter(([name]) => name !== field));

const BAD_FRAMES: BadFrame[] = [
  { name: "text that is not JSON", status: 400, send: async (socket) => socket.send('{"protocol":2,"type":"ping"') },
  { name: "a JSON array", status: 400, send: async (socket) => socket.send('[{"protocol":2,"type":"ping"}]') },
  { name: "a JSON string", status: 400, send: async (socket) => socket.send('"ping"') },
  { name: "an unknown type", status: 400, send: async (socket) => socket.send({ protocol: 2, type: "subscribe" }) },
  { name: "protocol 3", status: 400, send: async (socket) => socket.send({ protocol: 3, type: "ping" }) },
  {
    name: "a request without id",
    status: 400,
    send: async (socket, key) => socket.send(without(await validRequest(key, "x"), "id")),
  },
  { name: "an id of 65 characters", status: 400, send: async (socket, key) => socket.send(await validRequest(key, "i".repeat(65))) },
  { name: "an id with a space", status: 400, send: async (socket, key) => socket.send(await validRequest(key, "has space")) },
  { name: "an empty id", status: 400, send: async (socket, key) => socket.send(await validRequest(key, "")) },
  { name: "a numeric id", status: 400, send: async (socket, key) => socket.send({ ...(await validRequest(key, "n")), id: 7 }) },
  { name: "a cancel without id", status: 400, send: async (socket) => socket.send({ protocol: 2, type: "cancel" }) },
  { name: "a binary frame", status: 400, send: async (socket) => socket.sendBinary(new TextEncoder().encode('{"protocol":2,"type":"ping"}')) },
  {
    name: "a text frame over MAX_REQUEST_BYTES",
    status: 413,
    send: async (socket) => socket.send(" ".repeat(MAX_REQUEST_BYTES + 1)),
  },
  {
    name: "a request whose upstream.url is off the allowlist",
    status: 403,
    id: "off-list",
    send: async (socket, key) =>
      socket.send(await fullSyncFrame({ id: "off-list", affinity: key, body: "{}", upstream: { url: "https://evil.example/v1/messages" } })),
  },
  {
    name: "a request whose affinity is another session's",
    status: 400,
    id: "other-session",
    send: async (socket, key) => socket.send({ ...(await validRequest(key, "other-session")), affinity: `${key}-other` }),
  },
  {
    name: "a request without mode",
    status: 400,
    id: "no-mode",
    send: async (socket, key) => socket.send(without(await validRequest(key, "no-mode"), "mode")),
  },
  {
    name: "a full_sync whose body does not hash to next_hash",
    status: 409,
    id: "bad-next",
    send: async (socket, key) => socket.send({ ...(await validRequest(key, "bad-next")), next_hash: await sha256Of("another body") }),
  },
];

describe("frames the relay cannot act on", () => {
  it.each(BAD_FRAMES)("answers $name with one error ($status), and the socket keeps working", async (bad) => {
    const key = uniqueKey("ws-bad");
    const { socket } = await openReady(key);
    await bad.send(socket, key);
    const error = await socket.nextText();
    expect(error).toEqual({
      protocol: 2,
      type: "error",
      ...(bad.id === undefined ? {} : { id: bad.id }),
      status: bad.status,
      message: expect.any(String),
    });
    expect(error.message).not.toBe("");
    expect(error.message).not.toMatch(/\n\s+at /);
    expect(socket.closed).toBeNull();
    await expectSocketWorks(socket, key);
    socket.close();
  });

  it("accepts an id of exactly 64 visible ASCII characters (the boundary of the 65-character case)", async () => {
    const key = uniqueKey("ws-bad-64");
    const { socket } = await openReady(key);
    const id = `!~${"z".repeat(60)}{}`;
    expect(id).toHaveLength(64);
    const turn = await runTurn(socket, await validRequest(key, id));
    expect(turn.end).toEqual({ protocol: 2, type: "done", id });
    socket.close();
  });

  it("answers a patch on a base that is not the stored one with 409 and its id, sending nothing upstream", async () => {
    const key = uniqueKey("ws-bad-base");
    const { socket } = await openReady(key);
    const base = streamedBody(`${key} base`);
    expect((await runTurn(socket, await fullSyncFrame({ id: "base", affinity: key, body: base, revision: 1 }))).end.type).toBe("done");

    const standInId = `${key}-mismatch`;
    const insert = ',{"role":"assistant","content":"x"}';
    const start = base.lastIndexOf("]");
    socket.send(
      await patchFrame({
        id: "mismatch",
        affinity: key,
        base,
        baseHash: await sha256Of(`${base} but another one`),
        patch: { start, deleteCount: 0, insert },
        expected: base.slice(0, start) + insert + base.slice(start),
        revision: 2,
        upstream: { headers: { "x-stand-in-id": standInId } },
      }),
    );
    expect(await socket.nextText()).toEqual({ protocol: 2, type: "error", id: "mismatch", status: 409, message: expect.any(String) });
    expect(await upstreamSeen(standInId)).toBeNull();
    // The stored base is still the full_sync's.
    const { socket: probe, ready } = await openReady(key);
    expect(ready.state).toEqual({ hash: await sha256Of(base), revision: 1 });
    probe.close();
    await expectSocketWorks(socket, key);
    socket.close();
  });

  it("answers a patch on a session without a stored base with 409 and its id", async () => {
    const key = uniqueKey("ws-bad-nobase");
    const { socket } = await openReady(key);
    const base = streamedBody(`${key} never stored`);
    socket.send(await patchFrame({ id: "orphan", affinity: key, base, patch: { start: 0, deleteCount: 0, insert: " " }, expected: ` ${base}` }));
    expect(await socket.nextText()).toEqual({ protocol: 2, type: "error", id: "orphan", status: 409, message: expect.any(String) });
    await expectSocketWorks(socket, key);
    socket.close();
  });
});
