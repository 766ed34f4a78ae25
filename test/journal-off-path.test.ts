/**
 * Journaling happens off the response path: with a KV that takes seconds per write, the client still gets its
 * whole answer at once, and the record is in the session's storage before it reaches KV.
 */
import { describe, expect, it } from "vitest";
import { messageEvents, OVERLOADED_EVENT } from "../tools/stand-in/messages.js";
import { delivered, journaled, kvList, sessionInfo, sessionStub, statusHeaders, transparentRequest } from "./helpers/journal";
import { slowKv, swapObjectEnv } from "./helpers/object-faults";
import { eventually, uniqueKey } from "./helpers/relay";

const KV_DELAY_MS = 1200;

async function withSlowKv<T>(key: string, run: (started: () => number) => Promise<T>): Promise<T> {
  await sessionStub(key).sessionInfo();
  let slow: ReturnType<typeof slowKv> | null = null;
  const restore = await swapObjectEnv(key, (original) => {
    slow = slowKv(original.RELAY_STATE, KV_DELAY_MS);
    return { ...original, RELAY_STATE: slow.kv };
  });
  try {
    return await run(() => slow?.started() ?? 0);
  } finally {
    await restore();
  }
}

describe("a slow KV", () => {
  it("does not delay the client's error response", async () => {
    const key = uniqueKey("off-path-status");
    await withSlowKv(key, async (started) => {
      const first = Date.now();
      const response = await transparentRequest(key, statusHeaders(500));
      await response.text();
      const second = await transparentRequest(key, statusHeaders(502));
      await second.text();
      expect(Date.now() - first).toBeLessThan(KV_DELAY_MS);
      const records = await journaled(key, 2);
      await eventually(async () => started() > 0);
      // In the object's storage already, not yet in KV.
      expect((await sessionInfo(key)).undelivered).toBeGreaterThan(0);
      const ids = new Set(records.map((record) => record.id));
      expect((await kvList("errors/")).filter((entry) => ids.has(entry.metadata?.id ?? ""))).toHaveLength(0);
      await delivered(key, 2, 4 * KV_DELAY_MS);
    });
  });

  it("does not hold back any byte of an event stream with an error event", async () => {
    const key = uniqueKey("off-path-sse");
    await withSlowKv(key, async () => {
      const first = Date.now();
      for (let round = 0; round < 2; round += 1) {
        const response = await transparentRequest(key, { "x-stand-in-scenario": "sse-error", "x-stand-in-deltas": "3" });
        expect(await response.text()).toBe([...messageEvents({ deltas: 3 }).slice(0, 6), OVERLOADED_EVENT].join(""));
      }
      expect(Date.now() - first).toBeLessThan(KV_DELAY_MS);
      expect((await journaled(key, 2)).map((record) => record.kind)).toEqual(["stream_event", "stream_event"]);
    });
    await delivered(key, 2, 4 * KV_DELAY_MS);
  });
});
