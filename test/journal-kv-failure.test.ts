/**
 * A KV outage loses nothing: the record stays in the session's own storage with its outbox row, the client's
 * answer is unaffected, the alarm is set for the retry, and once KV works again the alarm writes every waiting
 * record. KV failures are injected by swapping RELAY_STATE in the object's env for one whose writes fail.
 */
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ErrorRecord } from "../src/records";
import {
  captureLogs,
  delivered,
  ERROR_TTL_SECONDS,
  inObject,
  journaled,
  kvList,
  sessionInfo,
  sessionStub,
  statusHeaders,
  transparentRequest,
} from "./helpers/journal";
import { failingKv, swapObjectEnv } from "./helpers/object-faults";
import { adminToken, eventually, relayToken, uniqueKey } from "./helpers/relay";

interface OutboxRow {
  id: string;
  attempts: number;
  next_attempt_at: number;
}

async function outbox(key: string): Promise<{ rows: OutboxRow[]; alarm: number | null }> {
  return inObject(key, async (state) => ({
    rows: state.storage.sql.exec<{ id: string; attempts: number; next_attempt_at: number }>("SELECT id, attempts, next_attempt_at FROM relay_outbox ORDER BY id").toArray(),
    alarm: await state.storage.getAlarm(),
  }));
}

/** Both KV keys of each record, by id (empty when KV has none of them). */
async function kvNamesOf(records: ErrorRecord[]): Promise<string[]> {
  const ids = new Set(records.map((record) => record.id));
  return [...(await kvList("errors/")), ...(await kvList("sessions/"))].filter((entry) => ids.has(entry.metadata?.id ?? "")).map((entry) => entry.name);
}

/** Starts a KV outage for session `key`'s object; returns the handle to count refused writes and to end it. */
async function startOutage(key: string) {
  // The object must exist before its env can be swapped: a cheap RPC creates it.
  await sessionStub(key).sessionInfo();
  let injected: ReturnType<typeof failingKv> | null = null;
  const restore = await swapObjectEnv(key, (original) => {
    injected = failingKv(original.RELAY_STATE);
    return { ...original, RELAY_STATE: injected.kv };
  });
  return {
    refused: () => injected?.refused() ?? 0,
    end: restore,
  };
}

async function sendError(key: string, status: number): Promise<Response> {
  const response = await transparentRequest(key, statusHeaders(status));
  await response.text();
  return response;
}

describe("while KV writes fail", () => {
  it("keeps the record in the object's storage and outbox, answers the client as usual, and schedules the retry", async () => {
    const key = uniqueKey("kv-down");
    const logs = captureLogs();
    const outage = await startOutage(key);
    try {
      const response = await sendError(key, 500);
      expect(response.status).toBe(500);
      const [record] = await journaled(key);
      if (!record) throw new Error("no record");
      await eventually(async () => outage.refused() > 0);
      const info = await sessionInfo(key);
      expect(info).toMatchObject({ errors: 1, undelivered: 1 });
      expect(await kvNamesOf([record])).toEqual([]);
      const { rows, alarm } = await outbox(key);
      expect(rows).toEqual([{ id: record.id, attempts: expect.any(Number), next_attempt_at: expect.any(Number) }]);
      expect(rows[0]?.attempts).toBeGreaterThanOrEqual(1);
      // The alarm is the earliest of the retry and the record's end of retention: here the retry.
      expect(alarm).toBe(Math.min(rows[0]?.next_attempt_at ?? 0, Date.parse(record.at) + ERROR_TTL_SECONDS * 1000));
      expect(alarm).toBeGreaterThan(Date.parse(record.at));
      const warnings = logs.events("kv_write_failed");
      expect(warnings.length).toBeGreaterThanOrEqual(1);
      expect(warnings[0]).toMatchObject({ id: record.id });
      for (const line of logs.lines) {
        expect(line).not.toContain(relayToken());
        expect(line).not.toContain(adminToken());
      }
    } finally {
      logs.restore();
      await outage.end();
    }
  });

  it("keeps the undelivered records when the alarm runs during the outage, and backs off", async () => {
    const key = uniqueKey("kv-still-down");
    const outage = await startOutage(key);
    try {
      await sendError(key, 502);
      const [record] = await journaled(key);
      await eventually(async () => outage.refused() > 0);
      const before = await outbox(key);
      expect(await runDurableObjectAlarm(sessionStub(key))).toBe(true);
      const after = await outbox(key);
      expect(after.rows).toHaveLength(1);
      expect(after.rows[0]?.attempts).toBeGreaterThan(before.rows[0]?.attempts ?? 0);
      expect(after.alarm).toBe(after.rows[0]?.next_attempt_at);
      expect((await sessionInfo(key)).undelivered).toBe(1);
      expect(await kvNamesOf(record ? [record] : [])).toEqual([]);
    } finally {
      await outage.end();
    }
  });
});

describe("after KV recovers", () => {
  it("writes every record that waited, on the next alarm: nothing lost", async () => {
    const key = uniqueKey("kv-recover");
    const outage = await startOutage(key);
    let records: ErrorRecord[] = [];
    try {
      for (const status of [500, 503, 529]) await sendError(key, status);
      records = await journaled(key, 3);
      await eventually(async () => outage.refused() > 0);
      expect((await sessionInfo(key)).undelivered).toBe(3);
      expect(await kvNamesOf(records)).toEqual([]);
    } finally {
      await outage.end();
    }
    expect(await runDurableObjectAlarm(sessionStub(key))).toBe(true);
    const info = await sessionInfo(key);
    expect(info).toMatchObject({ errors: 3, undelivered: 0 });
    for (const record of records) {
      expect(await env.RELAY_STATE.get(`errors/${invert(record.id)}`, "json")).toEqual(record);
      expect(await env.RELAY_STATE.get(`sessions/${key}/errors/${invert(record.id)}`, "json")).toEqual(record);
    }
    expect(await sessionStub(key).errorRecords(10)).toEqual(records);
    // With nothing left to deliver, the alarm waits for the oldest record's end of retention.
    const { rows, alarm } = await outbox(key);
    expect(rows).toEqual([]);
    const oldest = Math.min(...records.map((record) => Date.parse(record.at)));
    expect(alarm).toBe(oldest + ERROR_TTL_SECONDS * 1000);
  });

  it("delivers a new record at once after recovery, and the one that waited with the alarm", async () => {
    const key = uniqueKey("kv-after");
    const outage = await startOutage(key);
    await sendError(key, 500);
    const [waiting] = await journaled(key, 1);
    await eventually(async () => outage.refused() > 0);
    await outage.end();
    await sendError(key, 501);
    const records = await journaled(key, 2);
    const [fresh] = records;
    if (!fresh || !waiting) throw new Error("records missing");
    expect(fresh.status).toBe(501);
    await eventually(async () => (await kvNamesOf([fresh])).length === 2);
    await runDurableObjectAlarm(sessionStub(key));
    await delivered(key, 2);
    expect(await kvNamesOf([waiting])).toHaveLength(2);
  });
});

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
function invert(id: string): string {
  return [...id].map((char) => CROCKFORD[31 - CROCKFORD.indexOf(char)]).join("");
}
