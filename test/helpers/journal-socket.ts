/**
 * One protocol-2 request of any outcome, for journal tests: unlike `runTurn`, it also reads requests that fail
 * before `response_start` (unreachable, timeout), and returns the `accepted` frame whose requestId the record carries.
 */
import { expect } from "vitest";
import { concatBytes } from "./streams";
import type { TestSocket } from "./socket";

export interface SocketOutcome {
  accepted: Record<string, unknown>;
  /** `response_start`, or null when the request failed before the upstream answered. */
  start: Record<string, unknown> | null;
  body: Uint8Array;
  /** The closing frame: `done` or `error`. */
  end: Record<string, unknown>;
}

/** Sends `frame` (a request with a string id) and reads every frame of its answer. */
export async function socketRequest(socket: TestSocket, frame: Record<string, unknown>, timeoutMs = 10_000): Promise<SocketOutcome> {
  const id = frame.id;
  if (typeof id !== "string") throw new Error("socketRequest needs a frame with a string id");
  socket.send(frame);
  const accepted = await socket.nextText(timeoutMs);
  expect(accepted, "the first frame of a request").toMatchObject({ type: "accepted", id });
  let start: Record<string, unknown> | null = null;
  const chunks: Uint8Array[] = [];
  for (;;) {
    const next = await socket.next(timeoutMs);
    if (next.kind === "binary") {
      chunks.push(next.value);
      continue;
    }
    const value = next.value;
    if (value.type === "keepalive") continue;
    if (value.type === "response_start" && value.id === id) {
      start = value;
      continue;
    }
    if ((value.type === "done" || value.type === "error") && value.id === id) {
      return { accepted, start, body: concatBytes(chunks), end: value };
    }
    throw new Error(`unexpected frame ${JSON.stringify(value)}`);
  }
}
