/**
 * A client that goes away mid-stream ends the upstream request (the stand-in sees its connection closed before
 * the answer ended), on HTTP (the fetch aborted) and on a socket (the TCP connection dropped without a close
 * frame), and the same session works afterwards. A cancelled request leaves nothing running: the socket's
 * keepalive, which ticks only while a request is in flight, stops.
 */
import { describe, expect, it } from "vitest";
import { eventually, sleep, transparent, uniqueKey, upstreamSeen } from "./helpers/context.js";
import { Conversation, postEnvelope, sha256, toFrame } from "./helpers/envelopes.js";
import { expectSessionWorks, expectSocketWorks, readUntil } from "./helpers/sessions.js";
import { WsClient } from "./helpers/ws-client.js";

/** durable/socket.ts: the contract's keepalive period while a request is in flight. */
const KEEPALIVE_MS = 15_000;
/** A long answer: 200 events, 50 ms apart. */
const slow = (id: string): Record<string, string> => ({ "x-stand-in-deltas": "200", "x-stand-in-delay-ms": "50", "x-stand-in-id": id });

async function expectUpstreamAborted(id: string): Promise<void> {
  const seen = await eventually(`the stand-in sees request ${id} aborted`, async () => {
    const record = await upstreamSeen(id);
    return record?.aborted ? record : null;
  });
  expect(seen).toMatchObject({ aborted: true, finished: false });
}

/** Reads the first event of an HTTP answer, checks the upstream is still sending, then aborts the fetch. */
async function vanishAfterFirstEvent(response: Response, abort: AbortController, id: string): Promise<void> {
  expect(response.status).toBe(200);
  const reader = response.body?.getReader();
  if (!reader) throw new Error("no body");
  expect(await readUntil(reader, "\n\n")).toMatch(/^event: message_start\n/);
  expect(await upstreamSeen(id)).toMatchObject({ aborted: false, finished: false });
  abort.abort();
  await expectUpstreamAborted(id);
}

describe("an HTTP client that goes away mid-stream", () => {
  it("ends the upstream request (transparent), and the session's next requests work", async () => {
    const key = uniqueKey("vanish-http");
    const abort = new AbortController();
    const response = await transparent(key, slow(key), { signal: abort.signal });
    await vanishAfterFirstEvent(response, abort, key);
    await expectSessionWorks(key);
  });

  it("ends the upstream request (protocol 1); the aborted turn's body stays the base a patch builds on", async () => {
    const key = uniqueKey("vanish-p1");
    const conversation = new Conversation(key);
    const { envelope, body } = conversation.next(slow(key));
    const abort = new AbortController();
    await vanishAfterFirstEvent(await postEnvelope(envelope, {}, { signal: abort.signal }), abort, key);
    conversation.commit(body);
    await expectSessionWorks(key, conversation);
  });
});

describe("a socket that vanishes mid-stream", () => {
  it("ends the upstream request; a new socket finds the stored base and a patch on it works", async () => {
    const key = uniqueKey("vanish-ws");
    const conversation = new Conversation(key);
    const { client } = await WsClient.openReady(key);
    const { envelope, body } = conversation.next(slow(key));
    client.send(toFrame(envelope, "long"));
    expect(await client.nextJson()).toMatchObject({ type: "accepted", id: "long", hash: sha256(body) });
    expect(await client.nextJson()).toMatchObject({ type: "response_start", id: "long", status: 200 });
    expect((await client.next()).kind).toBe("binary");
    expect(await upstreamSeen(key)).toMatchObject({ aborted: false, finished: false });
    client.terminate();
    await expectUpstreamAborted(key);
    conversation.commit(body);

    const { client: again, ready } = await WsClient.openReady(key);
    expect(ready.state).toEqual({ hash: sha256(body), revision: conversation.revision });
    await expectSocketWorks(again, conversation, "after-vanish");
    again.close();
  });
});

describe("a cancelled request", () => {
  it("ends the upstream request and leaves nothing running: keepalives stop, the socket keeps working", { timeout: 90_000 }, async () => {
    const key = uniqueKey("cancel-keepalive");
    const conversation = new Conversation(key);
    const { client } = await WsClient.openReady(key);
    const { envelope, body } = conversation.next({ "x-stand-in-scenario": "hang-body", "x-stand-in-id": key });
    client.send(toFrame(envelope, "held"));
    expect(await client.nextJson()).toMatchObject({ type: "accepted", id: "held" });
    expect(await client.nextJson()).toMatchObject({ type: "response_start", id: "held", status: 200 });
    expect((await client.next()).kind).toBe("binary");
    // While the request is in flight the relay sends keepalives: this one proves the timer runs.
    expect(await client.nextJson(KEEPALIVE_MS + 5000, { keepalive: true })).toEqual({ protocol: 2, type: "keepalive" });

    client.send({ protocol: 2, type: "cancel", id: "held" });
    expect(await client.nextJson()).toMatchObject({ protocol: 2, type: "error", id: "held", status: 499 });
    await expectUpstreamAborted(key);
    conversation.commit(body);

    // Idle for longer than a keepalive period: a leaked timer would put a keepalive between the two pongs.
    await client.ping();
    await sleep(KEEPALIVE_MS + 2000);
    expect(client.pending()).toEqual([]);
    await client.ping();
    await expectSocketWorks(client, conversation, "after-cancel");
    client.close();
  });
});
