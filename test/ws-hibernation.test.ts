/**
 * The session outlives its object: what a socket needs between requests is in the socket's attachment and the
 * session's storage, never only in the object's memory. `abortAllDurableObjects()` throws every instance away
 * (and, in this runtime, its sockets with it); a new socket then resumes the session from storage.
 */
import { env } from "cloudflare:workers";
import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { isRecord } from "../src/protocol";
import { sha256Of } from "./helpers/envelope";
import { uniqueKey, upstreamSeen } from "./helpers/relay";
import { storedBase } from "./helpers/storage";
import { expectedMessageBytes, fullSyncFrame, openReady, patchFrame, runTurn, streamedBody } from "./helpers/ws-turns";

function sessionStub(key: string): DurableObjectStub {
  return env.SESSIONS.get(env.SESSIONS.idFromName(key));
}

/** What the object's accepted sockets carry, as the runtime restores it after hibernation. */
function socketAttachments(key: string): Promise<unknown[]> {
  return runInDurableObject(sessionStub(key), (_instance, state) =>
    state.getWebSockets().map((ws): unknown => ws.deserializeAttachment()),
  );
}

describe("hibernation and resets", () => {
  it("keeps the stored base across a reset: a new socket's ready reports it, and a patch on top of it succeeds", async () => {
    const key = uniqueKey("ws-hib-reset");
    const { socket } = await openReady(key);
    const base = streamedBody(`${key} base`);
    const first = await runTurn(socket, await fullSyncFrame({ id: "before", affinity: key, body: base, revision: 1 }));
    expect(first.end.type).toBe("done");

    await abortAllDurableObjects();

    const { socket: after, ready } = await openReady(key);
    expect(ready).toEqual({ protocol: 2, type: "ready", state: { hash: await sha256Of(base), revision: 1 } });
    const start = base.lastIndexOf("]");
    const insert = ',{"role":"assistant","content":"after the reset"}';
    const expected = base.slice(0, start) + insert + base.slice(start);
    const standInId = `${key}-after`;
    const turn = await runTurn(
      after,
      await patchFrame({ id: "after", affinity: key, base, patch: { start, deleteCount: 0, insert }, expected, revision: 2, upstream: { headers: { "x-stand-in-id": standInId } } }),
    );
    expect(turn.accepted).toMatchObject({ hash: await sha256Of(expected), revision: 2 });
    expect(turn.end).toEqual({ protocol: 2, type: "done", id: "after" });
    expect(turn.body).toEqual(expectedMessageBytes());
    expect((await upstreamSeen(standInId))?.body).toBe(expected);
    after.close();
  });

  it("gives every accepted socket an attachment with connectedAt, before and after a request", async () => {
    const key = uniqueKey("ws-hib-attach");
    const { socket } = await openReady(key);
    const before = await socketAttachments(key);
    expect(before).toHaveLength(1);
    const attachment = before[0];
    if (!isRecord(attachment)) throw new Error(`the attachment is not an object: ${JSON.stringify(attachment)}`);
    expect(typeof attachment.connectedAt).toBe("string");
    expect(new Date(String(attachment.connectedAt)).toISOString()).toBe(attachment.connectedAt);

    expect((await runTurn(socket, await fullSyncFrame({ id: "r", affinity: key, body: streamedBody(key) }))).end.type).toBe("done");
    expect(await socketAttachments(key)).toEqual(before);

    const { socket: second } = await openReady(key);
    const both = await socketAttachments(key);
    expect(both).toHaveLength(2);
    for (const each of both) expect(each).toMatchObject({ connectedAt: expect.any(String) });
    socket.close();
    second.close();
  });

  it("keeps the session's base in storage between requests, where a new instance finds it", async () => {
    const key = uniqueKey("ws-hib-storage");
    const { socket } = await openReady(key);
    const body = streamedBody(`${key} stored`);
    const turn = await runTurn(socket, await fullSyncFrame({ id: "s", affinity: key, body, revision: 9 }));
    expect(turn.end.type).toBe("done");

    const expectedState = { hash: await sha256Of(body), revision: 9, bytes: new TextEncoder().encode(body).byteLength };
    expect(await storedBase(key)).toMatchObject({ name: key, ...expectedState });
    await abortAllDurableObjects();
    // Read by a fresh instance: nothing of it came from the old one's memory.
    expect(await storedBase(key)).toMatchObject({ name: key, ...expectedState });
    socket.close();
  });
});
