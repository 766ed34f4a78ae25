/**
 * When the upstream fails the client learns it, exactly one record says what happened, and the session keeps
 * working: a reset mid-stream (between events or inside one), an upstream that never answers (504 after
 * UPSTREAM_TIMEOUT_MS, and the upstream request is ended), an allowlisted origin where nothing listens (502), and
 * a slow drip of many small delayed events, which must arrive complete and as they come.
 */
import { describe, expect, it } from "vitest";
import { ctx, eventually, transparent, uniqueKey, upstreamSeen } from "./helpers/context.js";
import { Conversation, fullSyncEnvelope, postEnvelope, toFrame } from "./helpers/envelopes.js";
import { resetPrefix, sseAnswer, STREAM_BROKEN_TAIL } from "./helpers/expected.js";
import { checkRelayError } from "./helpers/relay-errors.js";
import { expectSessionWorks, expectSocketWorks, readUntil, recordOf } from "./helpers/sessions.js";
import { WsClient } from "./helpers/ws-client.js";

const STREAM_BODY = JSON.stringify({ model: "stand-in-model", stream: true, messages: [] });

describe("an upstream that breaks off mid-stream", () => {
  it("ends a transparent SSE answer with the bytes that came and the closing error event; one stream record", async () => {
    const key = uniqueKey("reset-http");
    const response = await transparent(key, { "x-stand-in-scenario": "reset", "x-stand-in-events": "3" });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text.startsWith(resetPrefix(3))).toBe(true);
    expect(text.slice(resetPrefix(3).length)).toMatch(new RegExp(`^${STREAM_BROKEN_TAIL.source}`));
    const { record, all } = await recordOf(key, response.headers.get("x-relay-request-id"));
    expect(record).toMatchObject({ kind: "stream", status: 200, transport: "http", protocol: "transparent" });
    expect(all).toHaveLength(1);
    await expectSessionWorks(key);
  });

  it("closes a partial event before the error event (protocol 1, reset inside an event)", async () => {
    const key = uniqueKey("reset-mid-event");
    const envelope = fullSyncEnvelope({ affinity: key, body: STREAM_BODY, headers: { "x-stand-in-scenario": "reset-mid-event", "x-stand-in-events": "2" } });
    const response = await postEnvelope(envelope);
    const text = await response.text();
    const arrived = `${resetPrefix(2)}event: content_block_delta\ndata: {"type":"content_bl`;
    expect(text.startsWith(arrived)).toBe(true);
    expect(text.slice(arrived.length)).toMatch(new RegExp(`^\\n\\n${STREAM_BROKEN_TAIL.source}`));
    const { record, all } = await recordOf(key, response.headers.get("x-relay-request-id"));
    expect(record).toMatchObject({ kind: "stream", transport: "http", protocol: 1 });
    expect(all).toHaveLength(1);
    await expectSessionWorks(key, new Conversation(key));
  });

  it("sends the bytes that came, then an error frame (502) on a socket, which keeps working", async () => {
    const key = uniqueKey("reset-ws");
    const conversation = new Conversation(key);
    const { client } = await WsClient.openReady(key);
    const { envelope, body } = conversation.next({ "x-stand-in-scenario": "reset", "x-stand-in-events": "4" });
    const turn = await client.turn(toFrame(envelope, "broken"));
    conversation.commit(body);
    expect(turn.start).toMatchObject({ status: 200 });
    expect(turn.body.toString("utf8")).toBe(resetPrefix(4));
    expect(turn.end).toMatchObject({ protocol: 2, type: "error", id: "broken", status: 502 });
    const { record, all } = await recordOf(key, String(turn.accepted.requestId));
    expect(record).toMatchObject({ kind: "stream", transport: "websocket", protocol: 2 });
    expect(all).toHaveLength(1);
    await expectSocketWorks(client, conversation, "after-reset");
    client.close();
  });
});

describe("an upstream that sends no headers", () => {
  it("answers 504 upstream_timeout, ends the upstream request, and keeps one timeout record", async () => {
    const key = uniqueKey("hang-http");
    const response = await transparent(key, { "x-stand-in-scenario": "hang", "x-stand-in-id": key });
    const requestId = response.headers.get("x-relay-request-id");
    expect((await checkRelayError(response, 504)).problem).toBeNull();
    expect(await eventually("the stand-in sees the hung request ended", async () => (await upstreamSeen(key))?.aborted)).toBe(true);
    const { record, all } = await recordOf(key, requestId);
    expect(record).toMatchObject({ kind: "timeout", status: null, transport: "http" });
    expect(all).toHaveLength(1);
    await expectSessionWorks(key);
  });

  it("sends an error frame (504) on a socket and ends the upstream request", async () => {
    const key = uniqueKey("hang-ws");
    const conversation = new Conversation(key);
    const { client } = await WsClient.openReady(key);
    const { envelope, body } = conversation.next({ "x-stand-in-scenario": "hang", "x-stand-in-id": key });
    const turn = await client.turn(toFrame(envelope, "hung"), ctx.upstreamTimeoutMs + 10_000);
    conversation.commit(body);
    expect(turn.end).toMatchObject({ protocol: 2, type: "error", id: "hung", status: 504 });
    expect(await eventually("the stand-in sees the hung request ended", async () => (await upstreamSeen(key))?.aborted)).toBe(true);
    expect((await recordOf(key, String(turn.accepted.requestId))).record).toMatchObject({ kind: "timeout", transport: "websocket" });
    await expectSocketWorks(client, conversation, "after-hang");
    client.close();
  });
});

describe("an allowlisted upstream where nothing listens", () => {
  it("answers 502 upstream_unreachable with one network record, over HTTP and a socket", async () => {
    const key = uniqueKey("unreachable");
    const url = `${ctx.unreachableOrigin}/v1/messages`;
    const response = await postEnvelope(fullSyncEnvelope({ affinity: key, body: STREAM_BODY, url }));
    const requestId = response.headers.get("x-relay-request-id");
    expect((await checkRelayError(response, 502)).problem).toBeNull();
    expect((await recordOf(key, requestId)).record).toMatchObject({ kind: "network", status: null, upstreamUrl: url, protocol: 1 });

    const conversation = new Conversation(key);
    const { client } = await WsClient.openReady(key);
    const frame = toFrame(fullSyncEnvelope({ affinity: key, body: STREAM_BODY, url, revision: 2 }), "nowhere");
    const turn = await client.turn(frame);
    expect(turn.end).toMatchObject({ protocol: 2, type: "error", id: "nowhere", status: 502 });
    const { all } = await recordOf(key, String(turn.accepted.requestId));
    expect(all.map((entry) => entry.kind)).toEqual(["network", "network"]);
    await expectSocketWorks(client, conversation, "after-unreachable");
    client.close();
    await expectSessionWorks(key);
  });
});

describe("a slow drip of small events", () => {
  const DELTAS = 40;
  const drip = (id: string): Record<string, string> => ({ "x-stand-in-deltas": String(DELTAS), "x-stand-in-delay-ms": "25", "x-stand-in-id": id });

  it("reaches an HTTP client as it comes (first event before the upstream finished) and complete", async () => {
    const key = uniqueKey("drip-http");
    const response = await transparent(key, drip(key));
    const reader = response.body?.getReader();
    if (!reader) throw new Error("no body");
    const first = await readUntil(reader, "\n\n");
    expect(await upstreamSeen(key)).toMatchObject({ finished: false });
    const rest: Uint8Array[] = [];
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest.push(chunk.value);
    expect(Buffer.concat([Buffer.from(first, "utf8"), ...rest]).equals(sseAnswer(DELTAS))).toBe(true);
    expect(await upstreamSeen(key)).toMatchObject({ finished: true, aborted: false });
  });

  it("reaches a socket as it comes and complete, in order, ending with done", async () => {
    const key = uniqueKey("drip-ws");
    const conversation = new Conversation(key);
    const { client } = await WsClient.openReady(key);
    const { envelope, body } = conversation.next(drip(key));
    client.send(toFrame(envelope, "drip"));
    expect(await client.nextJson()).toMatchObject({ type: "accepted", id: "drip" });
    expect(await client.nextJson()).toMatchObject({ type: "response_start", id: "drip", status: 200 });
    const first = await client.next();
    expect(first.kind).toBe("binary");
    expect(await upstreamSeen(key)).toMatchObject({ finished: false });
    const rest = await client.readTurnRest("drip");
    conversation.commit(body);
    expect(rest.end).toEqual({ protocol: 2, type: "done", id: "drip" });
    expect(Buffer.concat([first.kind === "binary" ? first.bytes : Buffer.alloc(0), rest.body]).equals(sseAnswer(DELTAS))).toBe(true);
    client.close();
  });
});
