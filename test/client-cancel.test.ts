/**
 * A client that goes away mid-stream cancels the upstream request (the stand-in sees its connection closed before
 * the answer ended), over transparent mode and protocol 1, and the session works afterwards.
 * workerd notices a vanished client only when it next writes to it, so the upstreams here drip events slowly
 * (a 15 s answer) rather than going silent: the cancel must end them long before they would finish.
 */
import { describe, expect, it } from "vitest";
import { messageEvents, messageJson } from "../tools/stand-in/messages.js";
import { fullSyncEnvelope, postEnvelope } from "./helpers/envelope";
import { clientHeaders, eventually, relayFetch, uniqueKey, upstreamSeen } from "./helpers/relay";
import { readUntil } from "./helpers/streams";

const STREAM_BODY = JSON.stringify({ stream: true });
/** An answer that takes 15 s: ended early only by a cancel. */
const SLOW_DRIP = { "x-stand-in-delay-ms": "300", "x-stand-in-deltas": "50" };

/** Reads the first event, checks the upstream is still going, cancels, and waits for the stand-in to see it. */
async function cancelAfterFirstEvent(response: Response, id: string): Promise<void> {
  expect(response.status).toBe(200);
  const reader = response.body?.getReader();
  if (!reader) throw new Error("no body");
  const first = await readUntil(reader, "\n\n");
  expect(first.startsWith(messageEvents()[0] ?? "missing")).toBe(true);
  expect(await upstreamSeen(id)).toMatchObject({ finished: false, aborted: false });
  await reader.cancel("client went away");
  const seen = await eventually(async () => {
    const record = await upstreamSeen(id);
    return record?.aborted ? record : null;
  });
  expect(seen).toMatchObject({ aborted: true, finished: false });
}

async function expectTransparentWorks(key: string): Promise<void> {
  const response = await relayFetch("/v1/messages", {
    method: "POST",
    headers: clientHeaders({ "x-session-affinity": key, "x-stand-in-deltas": "1" }),
    body: "{}",
  });
  expect(response.status).toBe(200);
  expect(await response.text()).toBe(JSON.stringify(messageJson({ deltas: 1 })));
}

describe("client cancel, transparent mode", () => {
  it("ends an upstream that drips its answer slowly", async () => {
    const key = uniqueKey("cancel-drip");
    const response = await relayFetch("/v1/messages", {
      method: "POST",
      headers: clientHeaders({ "x-session-affinity": key, "x-stand-in-id": key, ...SLOW_DRIP }),
      body: STREAM_BODY,
    });
    await cancelAfterFirstEvent(response, key);
    await expectTransparentWorks(key);
  });

  it("ends a slow upstream answer mid-way", async () => {
    const key = uniqueKey("cancel-slow");
    const response = await relayFetch("/v1/messages", {
      method: "POST",
      headers: clientHeaders({
        "x-session-affinity": key,
        "x-stand-in-id": key,
        "x-stand-in-delay-ms": "200",
        "x-stand-in-deltas": "50",
      }),
      body: STREAM_BODY,
    });
    await cancelAfterFirstEvent(response, key);
    await expectTransparentWorks(key);
  });

  it("ends the upstream request of a keyless (one-off) session too", async () => {
    const id = uniqueKey("cancel-keyless");
    const response = await relayFetch("/v1/messages", {
      method: "POST",
      headers: clientHeaders({ "x-stand-in-id": id, ...SLOW_DRIP }),
      body: STREAM_BODY,
    });
    await cancelAfterFirstEvent(response, id);
  });
});

describe("client cancel, protocol 1", () => {
  it("ends the upstream request, and the session's next envelope is relayed", async () => {
    const key = uniqueKey("cancel-p1");
    const headers = { "x-stand-in-id": key, ...SLOW_DRIP };
    const response = await postEnvelope(await fullSyncEnvelope({ affinity: key, body: STREAM_BODY, upstream: { headers } }));
    await cancelAfterFirstEvent(response, key);
    const again = await postEnvelope(await fullSyncEnvelope({ affinity: key, body: "{}", revision: 2 }));
    expect(again.status).toBe(200);
    expect(await again.text()).toBe(JSON.stringify(messageJson()));
  });
});
