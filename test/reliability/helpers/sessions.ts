/**
 * Steps shared by the fault and malformed-input files: proving that a session still works after something went
 * wrong (byte for byte, over HTTP and over its socket), reading a stream piece by piece, and finding the journal
 * record of one request.
 */
import { expect } from "vitest";
import { eventually, transparent } from "./context.js";
import { Conversation, postEnvelope, sha256, toFrame } from "./envelopes.js";
import { sseAnswer } from "./expected.js";
import { type JournalRecord, sessionRecords } from "./forensics.js";
import type { WsClient } from "./ws-client.js";

/** A transparent request and an envelope on session `key` both succeed, byte for byte. */
export async function expectSessionWorks(key: string, conversation = new Conversation(key)): Promise<void> {
  const response = await transparent(key, { "x-stand-in-deltas": "2" });
  expect(response.status).toBe(200);
  expect(Buffer.from(await response.arrayBuffer()).equals(sseAnswer(2))).toBe(true);
  const { envelope, body } = conversation.next({ "x-stand-in-deltas": "3" });
  const answer = await postEnvelope(envelope);
  const bytes = Buffer.from(await answer.arrayBuffer());
  expect({ status: answer.status, text: bytes.toString("utf8").slice(0, 300) }).toMatchObject({ status: 200 });
  expect(bytes.equals(sseAnswer(3))).toBe(true);
  conversation.commit(body);
}

/** The socket answers a ping, and a new request on it streams to `done`, byte for byte. */
export async function expectSocketWorks(client: WsClient, conversation: Conversation, id: string): Promise<void> {
  await client.ping();
  const { envelope, body } = conversation.next({ "x-stand-in-deltas": "4" });
  const turn = await client.turn(toFrame(envelope, id));
  expect(turn.accepted).toMatchObject({ type: "accepted", id, hash: sha256(body) });
  expect(turn.start).toMatchObject({ type: "response_start", id, status: 200 });
  expect(turn.end).toEqual({ protocol: 2, type: "done", id });
  expect(turn.body.equals(sseAnswer(4))).toBe(true);
  conversation.commit(body);
}

/** Reads until the text so far contains `marker`; returns it. Fails if the body ends first. */
export async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, marker: string): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  while (!text.includes(marker)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the body ended before ${JSON.stringify(marker)}: ${JSON.stringify(text)}`);
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

/** Waits until session `key`'s journal holds the record of `requestId`; returns it and the journal. */
export async function recordOf(key: string, requestId: string | null): Promise<{ record: JournalRecord; all: JournalRecord[] }> {
  if (requestId === null) throw new Error("the answer carried no x-relay-request-id");
  return eventually(`a record of ${requestId} in ${key}'s journal`, async () => {
    const all = await sessionRecords(key);
    const record = all.find((entry) => entry.requestId === requestId);
    return record ? { record, all } : null;
  });
}
