/**
 * The session outlives its object. Evicted between requests (`abortAllDurableObjects()` throws every instance
 * away), a session keeps its base, revision and journal, and a patch on the stored base works. Evicted during a
 * request, a socket fails cleanly (a close or error event, never a hang) and its upstream request ends; an HTTP
 * stream finishes byte for byte (this runtime lets the exchange in flight complete) or ends as broken, never
 * truncated; and the client resyncs: a patch on the stored base works, one on a base that is gone gets 409, and
 * full_sync always works.
 */
import { env } from "cloudflare:workers";
import { abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { globalKey } from "../src/kv-layout";
import { messageEvents } from "../tools/stand-in/messages.js";
import { fullSyncEnvelope, patchEnvelope, postEnvelope, sha256Of } from "./helpers/envelope";
import { sessionStub } from "./helpers/journal";
import { clientHeaders, eventually, relayFetch, uniqueKey, upstreamSeen } from "./helpers/relay";
import type { TestSocket } from "./helpers/socket";
import { expectStreamBrokenTail, readRest, readUntil } from "./helpers/streams";
import { expectedMessageBytes, fullSyncFrame, openReady, patchFrame, runTurn, streamedBody } from "./helpers/ws-turns";

const HANG_BODY = { "x-stand-in-scenario": "hang-body" };

/** `base` with one more message before its closing brackets: the next turn of a conversation. */
function nextTurn(base: string, text: string): { body: string; patch: { start: number; deleteCount: number; insert: string } } {
  const start = base.lastIndexOf("]");
  const insert = `,{"role":"assistant","content":${JSON.stringify(text)}}`;
  return { body: base.slice(0, start) + insert + base.slice(start), patch: { start, deleteCount: 0, insert } };
}

/** What a session is, as its object reports it: state, counts, and its journal. */
async function snapshot(key: string): Promise<unknown> {
  const stub = sessionStub(key);
  return { info: await stub.sessionInfo(), records: await stub.errorRecords(100) };
}

/** Waits for the socket's close or error event: a socket whose object is gone must not hang. */
async function expectSocketEnds(socket: TestSocket): Promise<void> {
  await eventually(async () => socket.closed !== null || socket.error !== null, 10_000);
}

describe("eviction between requests", () => {
  it("keeps the base, revision and journal; a patch on the stored base works without a resync", async () => {
    const key = uniqueKey("evict-between");
    const base = streamedBody(`${key} base`);
    const first = await postEnvelope(await fullSyncEnvelope({ affinity: key, body: base, revision: 1 }));
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    const { socket } = await openReady(key);
    const second = nextTurn(base, "over the socket");
    const turn = await runTurn(socket, await patchFrame({ id: "p", affinity: key, base, patch: second.patch, expected: second.body, revision: 2 }));
    expect(turn.end.type).toBe("done");
    socket.close();
    const failing = await relayFetch("/v1/messages", {
      method: "POST",
      headers: clientHeaders({ "x-session-affinity": key, "x-stand-in-scenario": "status", "x-stand-in-status": "500" }),
      body: "{}",
    });
    expect(failing.status).toBe(500);
    await failing.arrayBuffer();
    const third = nextTurn(second.body, "rejected upstream");
    const overloaded = await postEnvelope(
      await patchEnvelope({ affinity: key, base: second.body, patch: third.patch, expected: third.body, revision: 3, upstream: { headers: { "x-stand-in-scenario": "status", "x-stand-in-status": "529" } } }),
    );
    expect(overloaded.status).toBe(529);
    await overloaded.arrayBuffer();
    await eventually(async () => {
      const info = await sessionStub(key).sessionInfo();
      return info.errors === 2 && info.undelivered === 0;
    });
    const before = await snapshot(key);

    await abortAllDurableObjects();

    expect(await snapshot(key)).toEqual(before);
    for (const record of await sessionStub(key).errorRecords(100)) expect(await env.RELAY_STATE.get(globalKey(record.id), "text")).toBe(JSON.stringify(record));
    const { ready } = await openReady(key);
    expect(ready.state).toEqual({ hash: await sha256Of(third.body), revision: 3 });
    const fourth = nextTurn(third.body, "after the eviction");
    const standInId = `${key}-after`;
    const after = await postEnvelope(
      await patchEnvelope({ affinity: key, base: third.body, patch: fourth.patch, expected: fourth.body, revision: 4, upstream: { headers: { "x-stand-in-id": standInId } } }),
    );
    expect(after.status).toBe(200);
    expect(new Uint8Array(await after.arrayBuffer())).toEqual(expectedMessageBytes());
    expect((await upstreamSeen(standInId))?.body).toBe(fourth.body);
  });
});

describe("eviction during a request", () => {
  it("fails a socket in flight cleanly and ends its upstream request; the client resyncs on the stored base", async () => {
    const key = uniqueKey("evict-ws");
    const { socket } = await openReady(key);
    const base = streamedBody(`${key} base`);
    expect((await runTurn(socket, await fullSyncFrame({ id: "a", affinity: key, body: base, revision: 1 }))).end.type).toBe("done");
    const held = nextTurn(base, "held");
    socket.send(await patchFrame({ id: "held", affinity: key, base, patch: held.patch, expected: held.body, revision: 2, upstream: { headers: { ...HANG_BODY, "x-stand-in-id": key } } }));
    expect(await socket.nextText()).toMatchObject({ type: "accepted", id: "held", hash: await sha256Of(held.body) });
    expect(await socket.nextText()).toMatchObject({ type: "response_start", id: "held", status: 200 });
    expect((await socket.next()).kind).toBe("binary");

    await abortAllDurableObjects();

    await expectSocketEnds(socket);
    expect(await eventually(async () => (await upstreamSeen(key))?.aborted, 10_000)).toBe(true);

    const { socket: again, ready } = await openReady(key);
    expect(ready.state).toEqual({ hash: await sha256Of(held.body), revision: 2 });
    const stale = nextTurn(base, "on a base that is gone");
    again.send(await patchFrame({ id: "stale", affinity: key, base, patch: stale.patch, expected: stale.body, revision: 3 }));
    expect(await again.nextText()).toMatchObject({ type: "error", id: "stale", status: 409 });
    const resumed = nextTurn(held.body, "resumed");
    const turn = await runTurn(again, await patchFrame({ id: "resume", affinity: key, base: held.body, patch: resumed.patch, expected: resumed.body, revision: 3 }));
    expect(turn.end).toEqual({ protocol: 2, type: "done", id: "resume" });
    expect(turn.body).toEqual(expectedMessageBytes());
    const full = await runTurn(again, await fullSyncFrame({ id: "full", affinity: key, body: streamedBody(`${key} full`), revision: 4 }));
    expect(full.end).toEqual({ protocol: 2, type: "done", id: "full" });
    again.close();
  });

  it("lets an HTTP stream in flight finish byte for byte or end as broken, never truncated; the next request works", async () => {
    const key = uniqueKey("evict-http");
    const deltas = 30;
    const response = await relayFetch("/v1/messages", {
      method: "POST",
      headers: clientHeaders({ "x-session-affinity": key, "x-stand-in-id": key, "x-stand-in-deltas": String(deltas), "x-stand-in-delay-ms": "50" }),
      body: JSON.stringify({ stream: true }),
    });
    expect(response.status).toBe(200);
    const reader = response.body?.getReader();
    if (!reader) throw new Error("no body");
    const arrived = await readUntil(reader, "\n\n");
    expect(await upstreamSeen(key)).toMatchObject({ finished: false });

    await abortAllDurableObjects();

    const body = arrived + (await readRest(reader));
    const complete = messageEvents({ deltas }).join("");
    // This runtime lets the exchange in flight finish; a runtime that broke it must show the break.
    if (body !== complete) expectStreamBrokenTail(body, body.slice(0, body.lastIndexOf("event: error")));
    const again = await relayFetch("/v1/messages", {
      method: "POST",
      headers: clientHeaders({ "x-session-affinity": key }),
      body: JSON.stringify({ stream: true }),
    });
    expect(again.status).toBe(200);
    expect(new Uint8Array(await again.arrayBuffer())).toEqual(expectedMessageBytes());
  });

  it("answers a patch on a session with no base 409 after an eviction; full_sync works", async () => {
    const key = uniqueKey("evict-nobase");
    await abortAllDurableObjects();
    const base = streamedBody(`${key} never stored`);
    const next = nextTurn(base, "x");
    const patch = await postEnvelope(await patchEnvelope({ affinity: key, base, patch: next.patch, expected: next.body }));
    expect(patch.status).toBe(409);
    expect(await patch.json()).toMatchObject({ type: "error", error: { type: "state_mismatch" } });
    const full = await postEnvelope(await fullSyncEnvelope({ affinity: key, body: base }));
    expect(full.status).toBe(200);
    expect(new Uint8Array(await full.arrayBuffer())).toEqual(expectedMessageBytes());
  });
});
