/**
 * While a request is in flight the relay sends `{"protocol":2,"type":"keepalive"}` every 15 s, so proxies and
 * clients do not take a long silent answer for a dead socket. The period is the contract's: this test waits it out.
 */
import { describe, expect, it } from "vitest";
import { eventually, uniqueKey, upstreamSeen } from "./helpers/relay";
import { fullSyncFrame, openReady, streamedBody } from "./helpers/ws-turns";

/** The contract's period plus a margin. */
const KEEPALIVE_WAIT_MS = 17_000;

describe("keepalive", () => {
  it(
    "arrives while a request hangs mid-body, and the request still belongs to the client",
    async () => {
      const key = uniqueKey("ws-keepalive");
      const { socket } = await openReady(key);
      const standInId = `${key}-hang`;
      socket.send(
        await fullSyncFrame({
          id: "long",
          affinity: key,
          body: streamedBody(key),
          upstream: { headers: { "x-stand-in-scenario": "hang-body", "x-stand-in-id": standInId } },
        }),
      );
      expect(await socket.nextText()).toMatchObject({ type: "accepted", id: "long" });
      expect(await socket.nextText()).toMatchObject({ type: "response_start", id: "long" });
      expect((await socket.next()).kind).toBe("binary");

      // The upstream sends nothing more: the next frame can only be the relay's own.
      expect(await socket.nextText(KEEPALIVE_WAIT_MS)).toEqual({ protocol: 2, type: "keepalive" });

      socket.send({ protocol: 2, type: "cancel", id: "long" });
      expect(await socket.nextText()).toEqual({ protocol: 2, type: "error", id: "long", status: 499, message: expect.any(String) });
      await eventually(async () => (await upstreamSeen(standInId))?.aborted);
      socket.close();
    },
    25_000,
  );
});
