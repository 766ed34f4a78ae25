/**
 * Closing: a client that closes mid-request cancels the upstream request, the session stays usable from a new
 * socket, and the relay answers a client's close frame with the same code.
 */
import { describe, expect, it } from "vitest";
import { sha256Of } from "./helpers/envelope";
import { eventually, uniqueKey, upstreamSeen } from "./helpers/relay";
import { TestSocket } from "./helpers/socket";
import { expectSocketWorks, fullSyncFrame, openReady, streamedBody } from "./helpers/ws-turns";

describe("closing the socket", () => {
  it("aborts the upstream request of a client that closes mid-request, and a new socket on the key works", async () => {
    const key = uniqueKey("ws-close-mid");
    const { socket } = await openReady(key);
    const body = streamedBody(key);
    const standInId = `${key}-hang`;
    socket.send(
      await fullSyncFrame({
        id: "left",
        affinity: key,
        body,
        revision: 5,
        upstream: { headers: { "x-stand-in-scenario": "hang-body", "x-stand-in-id": standInId } },
      }),
    );
    expect(await socket.nextText()).toMatchObject({ type: "accepted", id: "left" });
    expect(await socket.nextText()).toMatchObject({ type: "response_start", id: "left" });
    expect((await socket.next()).kind).toBe("binary");

    socket.ws.close(1000, "client leaves");
    const seen = await eventually(async () => {
      const record = await upstreamSeen(standInId);
      return record?.aborted ? record : null;
    });
    expect(seen.finished).toBe(false);

    const { socket: next, ready } = await openReady(key);
    // The request was accepted, so its body is the session's base.
    expect(ready.state).toEqual({ hash: await sha256Of(body), revision: 5 });
    await expectSocketWorks(next, key);
    next.close();
  });

  it.each([
    [1000, "normal"],
    [4001, "application code"],
  ])("answers the client's close frame with the same code (%i, %s)", async (code, reason) => {
    const socket = await TestSocket.open(uniqueKey("ws-close-echo"));
    await socket.nextText();
    socket.ws.close(code, reason);
    expect(await socket.waitForClose()).toEqual({ code, reason });
  });
});
