/**
 * Protocol-2 requests for tests inside workerd: building request frames from protocol-1 envelopes, running one
 * request through a TestSocket, and checking that a socket still works after something went wrong.
 */
import { expect } from "vitest";
import { messageEvents } from "../../tools/stand-in/messages.js";
import { fullSyncEnvelope, patchEnvelope, type PatchOp, type UpstreamOptions } from "./envelope";
import { TestSocket } from "./socket";

/** A ULID: 26 characters of Crockford's base32. */
export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

const encoder = new TextEncoder();

/** A Messages API request body asking for a stream; `label` makes it unique (and its hash). */
export function streamedBody(label: string): string {
  return JSON.stringify({ model: "stand-in-model", stream: true, max_tokens: 64, messages: [{ role: "user", content: label }] });
}

/** The exact bytes the stand-in streams for a default `messages` answer with `deltas` deltas. */
export function expectedMessageBytes(deltas = 5): Uint8Array {
  return encoder.encode(messageEvents({ deltas }).join(""));
}

/** A protocol-2 request frame: the protocol-1 full_sync envelope plus `id`, with `protocol: 2`. */
export async function fullSyncFrame(options: {
  id: string;
  affinity: string;
  body: string;
  revision?: number;
  upstream?: UpstreamOptions;
}): Promise<Record<string, unknown>> {
  return { ...(await fullSyncEnvelope(options)), protocol: 2, id: options.id };
}

/** A protocol-2 patch frame; `expected` is the body after the patch (its hash is next_hash). */
export async function patchFrame(options: {
  id: string;
  affinity: string;
  base: string;
  patch: PatchOp | PatchOp[];
  expected: string;
  revision?: number;
  baseHash?: string;
  upstream?: UpstreamOptions;
}): Promise<Record<string, unknown>> {
  return { ...(await patchEnvelope(options)), protocol: 2, id: options.id };
}

/** Opens a socket on `key` and consumes its `ready` frame. */
export async function openReady(key: string): Promise<{ socket: TestSocket; ready: Record<string, unknown> }> {
  const socket = await TestSocket.open(key);
  const ready = await socket.nextText();
  expect(ready.type).toBe("ready");
  return { socket, ready };
}

export interface Turn {
  accepted: Record<string, unknown>;
  start: Record<string, unknown>;
  body: Uint8Array;
  /** How many binary frames carried the body. */
  frames: number;
  end: Record<string, unknown>;
}

/** Reads one request's frames after it was sent: accepted, response_start, body, done or error. */
export async function readTurn(socket: TestSocket, id: string, timeoutMs?: number): Promise<Turn> {
  const accepted = await socket.nextText(timeoutMs);
  expect(accepted, "the first frame of a request").toMatchObject({ type: "accepted", id });
  const { start, body, frames, end } = await socket.readAnswer(timeoutMs);
  expect(start, "the frame after accepted").toMatchObject({ type: "response_start", id });
  return { accepted, start, body, frames, end };
}

/** Sends `frame` and reads its whole answer. */
export async function runTurn(socket: TestSocket, frame: Record<string, unknown>): Promise<Turn> {
  const id = frame.id;
  if (typeof id !== "string") throw new Error("runTurn needs a frame with a string id");
  socket.send(frame);
  return readTurn(socket, id);
}

/** Asserts the socket still works: a ping is answered by a pong, and a new request streams to `done`, exactly. */
export async function expectSocketWorks(socket: TestSocket, key: string, label = "after"): Promise<void> {
  socket.send({ protocol: 2, type: "ping" });
  expect(await socket.nextText()).toEqual({ protocol: 2, type: "pong" });
  const id = `${label}-works`;
  const turn = await runTurn(socket, await fullSyncFrame({ id, affinity: key, body: streamedBody(`${key} ${label}`) }));
  expect(turn.start.status).toBe(200);
  expect(turn.end).toEqual({ protocol: 2, type: "done", id });
  expect(turn.body).toEqual(expectedMessageBytes());
}
