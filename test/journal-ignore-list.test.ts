/**
 * Which answers are errors: statuses in ERROR_IGNORE_STATUSES (403, 429 by default) are not journaled but counted
 * per session; every other 4xx and 5xx is journaled; 2xx and 3xx leave nothing. Each test ends with a sentinel
 * 500 on the same session: records are journaled in settle order, so once the sentinel is in, everything before
 * it has been judged.
 */
import { describe, expect, it } from "vitest";
import { fullSyncEnvelope, postEnvelope } from "./helpers/envelope";
import { delivered, kvList, sessionInfo, statusHeaders, transparentRequest } from "./helpers/journal";
import { socketRequest } from "./helpers/journal-socket";
import { UPSTREAM, uniqueKey } from "./helpers/relay";
import { TestSocket } from "./helpers/socket";
import { fullSyncFrame } from "./helpers/ws-turns";

const SENTINEL = 599;

async function sendStatus(key: string, status: number, extra: Record<string, string> = {}): Promise<void> {
  const response = await transparentRequest(key, statusHeaders(status, extra));
  expect(response.status).toBe(status);
  await response.text();
}

/** Sends the sentinel, waits until it is journaled and delivered, and returns the session's statuses, newest first. */
async function statusesAfterSentinel(key: string, expectedRecords: number): Promise<(number | null)[]> {
  await sendStatus(key, SENTINEL);
  const records = await delivered(key, expectedRecords);
  expect(records[0]?.status).toBe(SENTINEL);
  return records.map((record) => record.status);
}

describe("ignored statuses", () => {
  it("does not journal 403 and 429, and counts them per session", async () => {
    const key = uniqueKey("ignored");
    await sendStatus(key, 403);
    await sendStatus(key, 429);
    await sendStatus(key, 429);
    expect(await statusesAfterSentinel(key, 1)).toEqual([SENTINEL]);
    const info = await sessionInfo(key);
    expect(info.errors).toBe(1);
    expect(info.ignored).toEqual({ "403": 1, "429": 2 });
    const kvStatuses = (await kvList("errors/")).filter((entry) => entry.metadata?.affinity === key).map((entry) => entry.metadata?.status);
    expect(kvStatuses).toEqual([SENTINEL]);
  });

  it("keeps separate counts per session", async () => {
    const first = uniqueKey("ignored-a");
    const second = uniqueKey("ignored-b");
    await sendStatus(first, 429);
    await sendStatus(second, 403);
    await statusesAfterSentinel(first, 1);
    await statusesAfterSentinel(second, 1);
    expect((await sessionInfo(first)).ignored).toEqual({ "429": 1 });
    expect((await sessionInfo(second)).ignored).toEqual({ "403": 1 });
  });

  it("counts ignored statuses over protocol 1 and protocol 2 too", async () => {
    const key = uniqueKey("ignored-protocols");
    const url = `${UPSTREAM}/v1/messages`;
    const envelope = await fullSyncEnvelope({ affinity: key, body: "{}", upstream: { url, headers: statusHeaders(429) } });
    const response = await postEnvelope(envelope);
    expect(response.status).toBe(429);
    await response.text();
    const socket = await TestSocket.open(key);
    try {
      expect((await socket.nextText()).type).toBe("ready");
      const frame = await fullSyncFrame({ id: "w1", affinity: key, body: "{}", revision: 2, upstream: { url, headers: statusHeaders(403) } });
      const outcome = await socketRequest(socket, frame);
      expect(outcome.start?.status).toBe(403);
    } finally {
      socket.close();
    }
    expect(await statusesAfterSentinel(key, 1)).toEqual([SENTINEL]);
    expect((await sessionInfo(key)).ignored).toEqual({ "403": 1, "429": 1 });
  });
});

describe("journaled statuses", () => {
  const STATUSES = [400, 401, 404, 405, 409, 413, 422, 500, 502, 503, 504, 529];

  it(`journals every other 4xx and 5xx (${STATUSES.join(", ")})`, async () => {
    const key = uniqueKey("journaled");
    for (const status of STATUSES) await sendStatus(key, status);
    const statuses = await statusesAfterSentinel(key, STATUSES.length + 1);
    expect(statuses).toEqual([SENTINEL, ...[...STATUSES].reverse()]);
    const info = await sessionInfo(key);
    expect(info.errors).toBe(STATUSES.length + 1);
    expect(info.ignored).toEqual({});
  });
});

describe("answers that are not errors", () => {
  it("journals nothing for 2xx and 3xx (JSON, SSE, empty bodies, a redirect)", async () => {
    const key = uniqueKey("success");
    for (const status of [200, 201, 202, 204, 206, 301, 304]) {
      const response = await transparentRequest(key, statusHeaders(status));
      expect(response.status).toBe(status);
      await response.arrayBuffer();
    }
    const redirect = await transparentRequest(key, { "x-stand-in-scenario": "redirect" });
    expect(redirect.status).toBe(307);
    await redirect.text();
    const stream = await transparentRequest(key, {}, { body: JSON.stringify({ stream: true }) });
    expect(stream.status).toBe(200);
    await stream.text();
    expect(await statusesAfterSentinel(key, 1)).toEqual([SENTINEL]);
    expect((await sessionInfo(key)).ignored).toEqual({});
  });
});
