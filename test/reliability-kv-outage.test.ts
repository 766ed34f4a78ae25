/**
 * A KV outage loses no error record. While every KV write inside the session objects fails, errors on several
 * sessions (over every transport) are journaled and wait in each object's outbox; an alarm during the outage
 * retries, fails and keeps them; once KV is back, the alarm delivers every record (both keys, the exact text
 * the journal holds) and nothing stays undelivered. No credential or secret shows up in what was logged.
 */
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { globalKey, sessionKey, sessionPrefix } from "../src/kv-layout";
import { fullSyncEnvelope, postEnvelope } from "./helpers/envelope";
import { captureLogs, sessionStub } from "./helpers/journal";
import { failingKv, swapObjectEnv } from "./helpers/object-faults";
import { adminToken, clientHeaders, eventually, relayFetch, relayToken, uniqueKey } from "./helpers/relay";
import { fullSyncFrame, openReady, runTurn, streamedBody } from "./helpers/ws-turns";

const CREDENTIALS = { authorization: "Bearer kv-outage-bearer-canary-4e1f", "x-api-key": "kv-outage-api-key-canary-90ab", cookie: "s=kv-outage-cookie-canary-77c2" };
const CANARIES = ["kv-outage-bearer-canary-4e1f", "kv-outage-api-key-canary-90ab", "kv-outage-cookie-canary-77c2"];
const status = (code: number): Record<string, string> => ({ "x-stand-in-scenario": "status", "x-stand-in-status": String(code), ...CREDENTIALS });

/** One error over each transport: transparent 500, protocol-1 529, protocol-2 SSE `event: error`. */
async function produceErrors(key: string, round: number): Promise<void> {
  const transparent = await relayFetch("/v1/messages", { method: "POST", headers: clientHeaders({ "x-session-affinity": key, ...status(500) }), body: "{}" });
  expect(transparent.status).toBe(500);
  await transparent.arrayBuffer();
  const envelope = await postEnvelope(await fullSyncEnvelope({ affinity: key, body: streamedBody(`${key} ${round} p1`), upstream: { headers: status(529) } }));
  expect(envelope.status).toBe(529);
  await envelope.arrayBuffer();
  const { socket } = await openReady(key);
  const frame = await fullSyncFrame({ id: `sse-${round}`, affinity: key, body: streamedBody(`${key} ${round} p2`), upstream: { headers: { "x-stand-in-scenario": "sse-error", ...CREDENTIALS } } });
  expect((await runTurn(socket, frame)).end.type).toBe("done");
  socket.close();
}

async function counts(key: string): Promise<{ errors: number; undelivered: number }> {
  const { errors, undelivered } = await sessionStub(key).sessionInfo();
  return { errors, undelivered };
}

describe("a KV outage", () => {
  it("keeps every record in the outbox through the outage and a failed alarm, then delivers all of them", async () => {
    const logs = captureLogs();
    const keys = [uniqueKey("kv-outage-a"), uniqueKey("kv-outage-b"), uniqueKey("kv-outage-c")];
    const outage = failingKv(env.RELAY_STATE);
    const restores: Array<() => Promise<void>> = [];
    for (const key of keys) restores.push(await swapObjectEnv(key, (original) => ({ ...original, RELAY_STATE: outage.kv })));

    for (const key of keys) await produceErrors(key, 1);
    for (const key of keys) await eventually(async () => (await counts(key)).errors === 3);
    // Every session tried to deliver and was refused: the records wait.
    await eventually(async () => outage.refused() >= keys.length);
    for (const key of keys) expect(await counts(key)).toEqual({ errors: 3, undelivered: 3 });
    for (const key of keys) expect((await env.RELAY_STATE.list({ prefix: await sessionPrefix(key) })).keys).toEqual([]);

    // The alarm retries during the outage: refused again, nothing lost. (The runtime may also fire a retry alarm
    // on its own meanwhile; either way every session's alarm tries, and fails.)
    const refusedBefore = outage.refused();
    for (const key of keys) await runDurableObjectAlarm(sessionStub(key));
    await eventually(async () => outage.refused() >= refusedBefore + keys.length);
    await produceErrors(keys[0] ?? "", 2);
    await eventually(async () => (await counts(keys[0] ?? "")).errors === 6);
    for (const key of keys) expect((await counts(key)).undelivered).toBe((await counts(key)).errors);
    expect(logs.events("kv_write_failed").length).toBeGreaterThanOrEqual(keys.length);

    for (const restore of restores) await restore();
    for (const key of keys) {
      // A retry that was already running with the failing KV defers the next one: run the alarm until it delivered.
      await eventually(async () => {
        await runDurableObjectAlarm(sessionStub(key));
        return (await counts(key)).undelivered === 0;
      }, 15_000);
    }

    for (const key of keys) {
      const stub = sessionStub(key);
      const records = await stub.errorRecords(100);
      expect(records).toHaveLength(key === keys[0] ? 6 : 3);
      for (const record of records) {
        const text = JSON.stringify(record);
        expect(await env.RELAY_STATE.get(globalKey(record.id), "text")).toBe(text);
        expect(await env.RELAY_STATE.get(await sessionKey(key, record.id), "text")).toBe(text);
      }
      const listed = await relayFetch(`/_relay/errors?session=${encodeURIComponent(key)}&limit=100`, { headers: { "x-relay-admin-token": adminToken() } });
      const listing: unknown = await listed.json();
      const ids = typeof listing === "object" && listing !== null && "errors" in listing && Array.isArray(listing.errors)
        ? listing.errors.map((entry: unknown) => (typeof entry === "object" && entry !== null && "id" in entry ? entry.id : null))
        : [];
      expect(ids).toEqual(records.map((record) => record.id));
    }
    logs.restore();
    const secrets = [...CANARIES, relayToken(), adminToken()];
    expect(secrets.filter((secret) => logs.lines.some((line) => line.includes(secret)))).toEqual([]);
  });
});
