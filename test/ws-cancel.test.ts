/**
 * `{"type":"cancel","id"}`: a streaming request is cut off upstream and ends in `error` 499; a queued one never
 * reaches the upstream; an unknown id is ignored; the socket keeps working afterwards.
 */
import { describe, expect, it } from "vitest";
import { eventually, uniqueKey, upstreamSeen } from "./helpers/relay";
import type { Frame } from "./helpers/socket";
import { expectSocketWorks, fullSyncFrame, openReady, readTurn, streamedBody } from "./helpers/ws-turns";

const cancelled = (id: string): Record<string, unknown> => ({
  protocol: 2,
  type: "error",
  id,
  status: 499,
  message: expect.any(String),
});

describe("cancel", () => {
  it("ends a streaming request with error 499 and aborts its upstream request", async () => {
    const key = uniqueKey("ws-cancel-stream");
    const { socket } = await openReady(key);
    const standInId = `${key}-hang`;
    socket.send(
      await fullSyncFrame({
        id: "c1",
        affinity: key,
        body: streamedBody(key),
        upstream: { headers: { "x-stand-in-scenario": "hang-body", "x-stand-in-id": standInId } },
      }),
    );
    expect(await socket.nextText()).toMatchObject({ type: "accepted", id: "c1" });
    expect(await socket.nextText()).toMatchObject({ type: "response_start", id: "c1", status: 200 });
    // The first event is through: the body is streaming, and the upstream holds the rest back forever.
    expect((await socket.next()).kind).toBe("binary");
    socket.send({ protocol: 2, type: "cancel", id: "c1" });

    let frame: Frame = await socket.next();
    while (frame.kind === "binary") frame = await socket.next();
    expect(frame.value).toEqual(cancelled("c1"));
    const seen = await eventually(async () => {
      const record = await upstreamSeen(standInId);
      return record?.aborted ? record : null;
    });
    expect(seen.finished).toBe(false);
    await expectSocketWorks(socket, key);
    socket.close();
  });

  it("takes a queued request out of the queue: error 499, and the upstream never sees it", async () => {
    const key = uniqueKey("ws-cancel-queued");
    const { socket } = await openReady(key);
    const slow = { "x-stand-in-delay-ms": "100", "x-stand-in-id": `${key}-running` };
    socket.send(await fullSyncFrame({ id: "running", affinity: key, body: streamedBody(`${key} 1`), upstream: { headers: slow } }));
    socket.send(
      await fullSyncFrame({ id: "queued", affinity: key, body: streamedBody(`${key} 2`), upstream: { headers: { "x-stand-in-id": `${key}-queued` } } }),
    );
    expect(await socket.nextText()).toMatchObject({ type: "accepted", id: "running" });
    socket.send({ protocol: 2, type: "cancel", id: "queued" });

    const texts: Record<string, unknown>[] = [];
    while (!texts.some((text) => text.type === "done" && text.id === "running")) {
      const frame = await socket.next();
      if (frame.kind === "text") texts.push(frame.value);
    }
    expect(texts.filter((text) => text.id === "queued")).toEqual([cancelled("queued")]);
    // Requests run in arrival order: once the next one is done, the cancelled one would have run before it.
    await expectSocketWorks(socket, key);
    expect(await upstreamSeen(`${key}-queued`)).toBeNull();
    expect((await upstreamSeen(`${key}-running`))?.finished).toBe(true);
    socket.close();
  });

  it("ignores a cancel for an id it does not know", async () => {
    const key = uniqueKey("ws-cancel-unknown");
    const { socket } = await openReady(key);
    socket.send({ protocol: 2, type: "cancel", id: "never-sent" });
    socket.send({ protocol: 2, type: "ping" });
    // Frames come back in order: a reply to the cancel would come before the pong.
    expect(await socket.nextText()).toEqual({ protocol: 2, type: "pong" });
    await expectSocketWorks(socket, key);
    socket.close();
  });

  it("ignores a cancel for a request that has already finished", async () => {
    const key = uniqueKey("ws-cancel-late");
    const { socket } = await openReady(key);
    socket.send(await fullSyncFrame({ id: "done-already", affinity: key, body: streamedBody(key) }));
    const turn = await readTurn(socket, "done-already");
    expect(turn.end.type).toBe("done");
    socket.send({ protocol: 2, type: "cancel", id: "done-already" });
    socket.send({ protocol: 2, type: "ping" });
    expect(await socket.nextText()).toEqual({ protocol: 2, type: "pong" });
    socket.close();
  });

  it("cancels a request that is still waiting for the upstream's headers", async () => {
    const key = uniqueKey("ws-cancel-headers");
    const { socket } = await openReady(key);
    const standInId = `${key}-hang`;
    socket.send(
      await fullSyncFrame({
        id: "h1",
        affinity: key,
        body: streamedBody(key),
        upstream: { headers: { "x-stand-in-scenario": "hang", "x-stand-in-id": standInId } },
      }),
    );
    expect(await socket.nextText()).toMatchObject({ type: "accepted", id: "h1" });
    // The request reached the upstream, which sends no headers (the relay's own timeout is 1500 ms).
    await eventually(() => upstreamSeen(standInId));
    socket.send({ protocol: 2, type: "cancel", id: "h1" });
    expect(await socket.nextText()).toEqual(cancelled("h1"));
    await eventually(async () => (await upstreamSeen(standInId))?.aborted);
    await expectSocketWorks(socket, key);
    socket.close();
  });
});
