/**
 * MAX_REQUEST_BYTES (8 MiB in tests) bounds what a client can make the relay send: a declared length, a streamed
 * body of undeclared length, a protocol-1 envelope and a body rebuilt from a patch are all refused with 413.
 */
import { describe, expect, it } from "vitest";
import { fullSyncEnvelope, patchEnvelope, postEnvelope, sha256Hex } from "./helpers/envelope";
import { expectRelayError } from "./helpers/errors";
import { clientHeaders, relayFetch, uniqueKey, upstreamSeen } from "./helpers/relay";
import { storedBase } from "./helpers/storage";

const LIMIT = 8 * 1024 * 1024;

/** A body of `total` bytes sent as a stream, so no content-length is declared. */
function streamOf(total: number, chunkBytes = 64 * 1024): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) {
        controller.close();
        return;
      }
      const size = Math.min(chunkBytes, total - sent);
      controller.enqueue(new Uint8Array(size).fill(0x61));
      sent += size;
    },
  });
}

function streamedRequest(id: string, total: number): Promise<Response> {
  // The Fetch spec asks for `duplex: "half"` with a stream body; the declared type adds it in case RequestInit lacks it.
  const init: RequestInit & { duplex: "half" } = {
    method: "POST",
    headers: clientHeaders({ "x-stand-in-id": id, "content-type": "application/octet-stream" }),
    body: streamOf(total),
    duplex: "half",
  };
  return relayFetch("/v1/messages", init);
}

describe("request size, transparent mode", () => {
  it("refuses a declared content-length over the limit with 413, before anything is sent", async () => {
    const id = uniqueKey("declared");
    const response = await relayFetch("/v1/messages", {
      method: "POST",
      headers: clientHeaders({ "x-stand-in-id": id }),
      body: new Uint8Array(LIMIT + 1),
    });
    await expectRelayError(response, 413, "request_too_large");
    expect(await upstreamSeen(id)).toBeNull();
  });

  it("relays a body of exactly the limit", async () => {
    const id = uniqueKey("at-limit");
    const body = new Uint8Array(LIMIT).fill(0x62);
    const response = await relayFetch("/v1/messages", {
      method: "POST",
      headers: clientHeaders({ "x-stand-in-id": id, "x-stand-in-scenario": "echo" }),
      body,
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(await upstreamSeen(id)).toMatchObject({ bodyBytes: LIMIT, bodySha256: await sha256Hex(body) });
  });

  it("refuses a streamed body without content-length once it passes the limit: 413", async () => {
    const id = uniqueKey("streamed");
    await expectRelayError(await streamedRequest(id, LIMIT + 64 * 1024), 413, "request_too_large");
  });

  it("never lets the upstream receive a cut-off streamed body as a complete request", async () => {
    const id = uniqueKey("streamed-cut");
    const response = await streamedRequest(id, LIMIT + 64 * 1024);
    await response.arrayBuffer().catch(() => null);
    // The stand-in records a request once its body has ended: an upload aborted mid-way is never recorded.
    const seen = await upstreamSeen(id);
    expect(seen === null ? null : { bodyBytes: seen.bodyBytes, finished: seen.finished }).toBeNull();
  });

  it("relays a streamed body under the limit whole", async () => {
    const id = uniqueKey("streamed-ok");
    const response = await streamedRequest(id, 200 * 1024 + 3);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(await upstreamSeen(id)).toMatchObject({ bodyBytes: 200 * 1024 + 3 });
  });
});

describe("request size, protocol 1", () => {
  it("refuses an envelope over the limit with 413, nothing sent", async () => {
    const key = uniqueKey("big-envelope");
    const envelope = await fullSyncEnvelope({ affinity: key, body: "e".repeat(LIMIT), upstream: { headers: { "x-stand-in-id": key } } });
    await expectRelayError(await postEnvelope(envelope), 413, "request_too_large");
    expect(await upstreamSeen(key)).toBeNull();
    expect(await storedBase(key)).toBeNull();
  });

  it("refuses a patch whose rebuilt body would pass the limit: 413, nothing sent, base unchanged", async () => {
    const key = uniqueKey("big-rebuild");
    const base = "b".repeat(7 * 1024 * 1024);
    const synced = await postEnvelope(await fullSyncEnvelope({ affinity: key, body: base, upstream: { headers: { "x-stand-in-scenario": "echo" } } }));
    expect(synced.status).toBe(200);
    await synced.arrayBuffer();
    const before = await storedBase(key);
    const insert = "i".repeat(1024 * 1024 + 1);
    const envelope = await patchEnvelope({
      affinity: key,
      base,
      patch: { start: 0, deleteCount: 0, insert },
      expected: insert + base,
      upstream: { headers: { "x-stand-in-id": key } },
    });
    await expectRelayError(await postEnvelope(envelope), 413, "request_too_large");
    expect(await upstreamSeen(key)).toBeNull();
    expect(await storedBase(key)).toEqual(before);
  });
});
