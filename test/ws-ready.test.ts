/** The `ready` frame a socket receives on connect: the session's stored base, whatever transport stored it. */
import { describe, expect, it } from "vitest";
import { fullSyncEnvelope, postEnvelope, sha256Of } from "./helpers/envelope";
import { uniqueKey } from "./helpers/relay";
import { TestSocket } from "./helpers/socket";
import { fullSyncFrame, runTurn, streamedBody } from "./helpers/ws-turns";

describe("ready on connect", () => {
  it("is exactly {protocol: 2, type: ready, state: null} for a new session", async () => {
    const socket = await TestSocket.open(uniqueKey("ws-ready-new"));
    expect(await socket.nextText()).toEqual({ protocol: 2, type: "ready", state: null });
    socket.close();
  });

  it("reports the hash and revision of a body stored by a protocol-1 full_sync over HTTP", async () => {
    const key = uniqueKey("ws-ready-http");
    const body = streamedBody(`${key} stored over http`);
    const response = await postEnvelope(await fullSyncEnvelope({ affinity: key, body, revision: 7 }));
    expect(response.status).toBe(200);
    await response.arrayBuffer();

    const socket = await TestSocket.open(key);
    expect(await socket.nextText()).toEqual({
      protocol: 2,
      type: "ready",
      state: { hash: await sha256Of(body), revision: 7 },
    });
    socket.close();
  });

  it("reports the base a previous socket's request stored", async () => {
    const key = uniqueKey("ws-ready-ws");
    const first = await TestSocket.open(key);
    await first.nextText();
    const body = streamedBody(`${key} stored over ws`);
    const turn = await runTurn(first, await fullSyncFrame({ id: "store", affinity: key, body, revision: 3 }));
    expect(turn.end.type).toBe("done");
    first.close();

    const second = await TestSocket.open(key);
    expect(await second.nextText()).toEqual({
      protocol: 2,
      type: "ready",
      state: { hash: await sha256Of(body), revision: 3 },
    });
    second.close();
  });
});
