/**
 * Requests on one socket run one after another in arrival order: a request that arrives while another streams
 * waits its turn (nothing is refused for being busy), and an id already queued or running is refused.
 */
import { describe, expect, it } from "vitest";
import { sha256Of } from "./helpers/envelope";
import { uniqueKey, upstreamSeen } from "./helpers/relay";
import { expectedMessageBytes, fullSyncFrame, openReady, patchFrame, readTurn, streamedBody } from "./helpers/ws-turns";

/** Slow enough that the first request is still streaming when the next frames arrive. */
const SLOW = { "x-stand-in-delay-ms": "100" };

describe("the per-socket queue", () => {
  it("answers three requests sent back to back, each completely and in arrival order", async () => {
    const key = uniqueKey("ws-queue-order");
    const { socket } = await openReady(key);
    const body1 = streamedBody(`${key} one`);
    const turn2 = { start: body1.lastIndexOf("]"), deleteCount: 0, insert: ',{"role":"assistant","content":"two"}' };
    const body2 = body1.slice(0, turn2.start) + turn2.insert + body1.slice(turn2.start);
    const turn3 = { start: body2.lastIndexOf("]"), deleteCount: 0, insert: ',{"role":"user","content":"three"}' };
    const body3 = body2.slice(0, turn3.start) + turn3.insert + body2.slice(turn3.start);
    const headers = (id: string): Record<string, string> => ({ ...SLOW, "x-stand-in-id": `${key}-${id}` });

    // A full_sync and two patches, each on top of the previous one: they only rebuild if run in order.
    const frames = [
      await fullSyncFrame({ id: "r1", affinity: key, body: body1, revision: 1, upstream: { headers: headers("r1") } }),
      await patchFrame({ id: "r2", affinity: key, base: body1, patch: turn2, expected: body2, revision: 2, upstream: { headers: headers("r2") } }),
      await patchFrame({ id: "r3", affinity: key, base: body2, patch: turn3, expected: body3, revision: 3, upstream: { headers: headers("r3") } }),
    ];
    for (const frame of frames) socket.send(frame);

    // readTurn fails on any frame of another request in the middle of one: the answers do not interleave.
    const bodies = [body1, body2, body3];
    for (const [index, id] of ["r1", "r2", "r3"].entries()) {
      const turn = await readTurn(socket, id);
      expect(turn.accepted).toMatchObject({ hash: await sha256Of(bodies[index] ?? ""), revision: index + 1 });
      expect(turn.start.status).toBe(200);
      expect(turn.end).toEqual({ protocol: 2, type: "done", id });
      expect(turn.body).toEqual(expectedMessageBytes());
      expect((await upstreamSeen(`${key}-${id}`))?.body).toBe(bodies[index]);
    }
    socket.close();
  });

  it("refuses a duplicate id while that id is queued or running, with an error without id, and runs each once", async () => {
    const key = uniqueKey("ws-queue-dup");
    const { socket } = await openReady(key);
    const first = await fullSyncFrame({
      id: "a",
      affinity: key,
      body: streamedBody(`${key} a`),
      upstream: { headers: { ...SLOW, "x-stand-in-id": `${key}-a` } },
    });
    const second = await fullSyncFrame({ id: "b", affinity: key, body: streamedBody(`${key} b`), upstream: { headers: { "x-stand-in-id": `${key}-b` } } });
    socket.send(first);
    socket.send(second);
    // "b" is queued behind "a", and "a" is in flight (or about to be): both ids are taken.
    socket.send({ ...second, body: streamedBody(`${key} b again`) });
    socket.send({ ...first, body: streamedBody(`${key} a again`) });

    const texts: Record<string, unknown>[] = [];
    let binaryBytes = 0;
    while (texts.filter((frame) => frame.type === "done" || frame.type === "error").length < 4) {
      const frame = await socket.next();
      if (frame.kind === "binary") binaryBytes += frame.value.byteLength;
      else texts.push(frame.value);
    }
    const errors = texts.filter((frame) => frame.type === "error");
    expect(errors).toHaveLength(2);
    for (const error of errors) {
      expect(error).toEqual({ protocol: 2, type: "error", status: 400, message: expect.any(String) });
    }
    expect(texts.filter((frame) => frame.type === "accepted").map((frame) => frame.id)).toEqual(["a", "b"]);
    expect(texts.filter((frame) => frame.type === "done").map((frame) => frame.id)).toEqual(["a", "b"]);
    expect(binaryBytes).toBe(2 * expectedMessageBytes().byteLength);
    // The upstream got the first of each, never the duplicates.
    expect((await upstreamSeen(`${key}-a`))?.body).toBe(streamedBody(`${key} a`));
    expect((await upstreamSeen(`${key}-b`))?.body).toBe(streamedBody(`${key} b`));
    socket.close();
  });

  it("accepts an id again once its request has finished", async () => {
    const key = uniqueKey("ws-queue-reuse");
    const { socket } = await openReady(key);
    for (const label of ["first", "second"]) {
      socket.send(await fullSyncFrame({ id: "same", affinity: key, body: streamedBody(`${key} ${label}`) }));
      const turn = await readTurn(socket, "same");
      expect(turn.end).toEqual({ protocol: 2, type: "done", id: "same" });
    }
    socket.close();
  });
});
