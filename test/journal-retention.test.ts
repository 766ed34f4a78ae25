/**
 * The session's own journal is bounded: records older than ERROR_TTL_SECONDS are pruned by the object's alarm,
 * which is always planned from the stored rows (earliest of a delivery retry and the oldest record's end of
 * retention), and a count cap drops the oldest records beyond JOURNAL_MAX_RECORDS. Old and numerous records are
 * written straight into the object's SQLite tables rather than produced by real requests.
 */
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { ulid } from "ulid";
import { describe, expect, it } from "vitest";
import { JOURNAL_MAX_RECORDS } from "../durable/journal";
import type { ErrorRecord } from "../src/records";
import {
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
import { eventually, UPSTREAM, uniqueKey } from "./helpers/relay";

const TTL_MS = ERROR_TTL_SECONDS * 1000;

/** A plausible record written at `at` (ms), as the journal would have stored it. */
function syntheticRecord(affinity: string, at: number): ErrorRecord {
  return {
    id: ulid(at),
    at: new Date(at).toISOString(),
    requestId: ulid(at),
    affinity,
    transport: "http",
    protocol: "transparent",
    kind: "upstream_status",
    method: "POST",
    upstreamUrl: `${UPSTREAM}/v1/messages`,
    status: 500,
    statusText: "Internal Server Error",
    headers: {},
    body: "synthetic",
    bodyTruncated: false,
    requestBodyBytes: 2,
    durationMs: 1,
    message: null,
  };
}

/** Writes records straight into the journal; `undelivered` ones also get an outbox row due at `dueAt`. */
async function seed(key: string, records: ErrorRecord[], options: { undelivered?: ErrorRecord[]; dueAt?: number } = {}): Promise<void> {
  await sessionStub(key).sessionInfo(); // runs the object's init gate: the schema exists afterwards
  await inObject(key, (state) => {
    state.storage.transactionSync(() => {
      for (const record of records) {
        state.storage.sql.exec("INSERT INTO relay_journal (id, at, record) VALUES (?, ?, ?)", record.id, Date.parse(record.at), JSON.stringify(record));
      }
      for (const record of options.undelivered ?? []) {
        state.storage.sql.exec("INSERT INTO relay_outbox (id, attempts, next_attempt_at) VALUES (?, 0, ?)", record.id, options.dueAt ?? Date.now());
      }
    });
  });
}

async function journalIds(key: string): Promise<string[]> {
  return inObject(key, (state) =>
    state.storage.sql.exec<{ id: string }>("SELECT id FROM relay_journal ORDER BY id DESC").toArray().map((row) => row.id),
  );
}

async function outboxIds(key: string): Promise<string[]> {
  return inObject(key, (state) => state.storage.sql.exec<{ id: string }>("SELECT id FROM relay_outbox ORDER BY id").toArray().map((row) => row.id));
}

async function alarmOf(key: string): Promise<number | null> {
  return inObject(key, (state) => state.storage.getAlarm());
}

async function sendError(key: string, status = 500): Promise<void> {
  const response = await transparentRequest(key, statusHeaders(status));
  await response.text();
}

it("runs with the contract's default retention", () => {
  expect(env.ERROR_TTL_SECONDS).toBe(String(ERROR_TTL_SECONDS));
});

describe("the alarm's plan", () => {
  it("is the oldest record's end of retention once everything is delivered", async () => {
    const key = uniqueKey("retention-plan");
    await sendError(key);
    const [first] = await delivered(key, 1);
    await sendError(key, 502);
    await delivered(key, 2);
    expect(await alarmOf(key)).toBe(Date.parse(first?.at ?? "") + TTL_MS);
  });
});

describe("pruning by age", () => {
  it("drops records past ERROR_TTL_SECONDS (and their undelivered outbox rows) on the alarm, keeps the rest", async () => {
    const key = uniqueKey("retention-prune");
    await sendError(key);
    const [real] = await delivered(key, 1);
    if (!real) throw new Error("no record");
    const now = Date.now();
    const expired = syntheticRecord(key, now - TTL_MS - 60_000);
    const justExpired = syntheticRecord(key, now - TTL_MS - 1000);
    const young = syntheticRecord(key, now - TTL_MS + 30 * 60_000);
    await seed(key, [expired, justExpired, young], { undelivered: [justExpired], dueAt: now + 3_600_000 });
    expect(await runDurableObjectAlarm(sessionStub(key))).toBe(true);
    expect(await journalIds(key)).toEqual([real.id, young.id]);
    expect(await outboxIds(key)).toEqual([]);
    expect((await sessionInfo(key)).errors).toBe(2);
    // A pruned record that never reached KV is not written there afterwards.
    expect((await kvList("errors/")).some((entry) => entry.metadata?.id === justExpired.id)).toBe(false);
    // Re-planned for the next record to fall out of retention.
    expect(await alarmOf(key)).toBe(Date.parse(young.at) + TTL_MS);
  });

  it("fires on its own when a stored record is already past retention", async () => {
    const key = uniqueKey("retention-auto");
    await sendError(key);
    await delivered(key, 1);
    const expired = syntheticRecord(key, Date.now() - TTL_MS - 60_000);
    await seed(key, [expired]);
    // The next journaled error re-plans the alarm from the stored rows: the expired record's end lies in the past.
    await sendError(key, 503);
    await journaled(key, 2);
    await eventually(async () => !(await journalIds(key)).includes(expired.id));
    expect((await sessionStub(key).errorRecords(10)).map((record) => record.status)).toEqual([503, 500]);
  });

  it("deletes the alarm once the journal is empty", async () => {
    const key = uniqueKey("retention-empty");
    await sendError(key);
    await delivered(key, 1);
    expect(await alarmOf(key)).not.toBeNull();
    await inObject(key, (state) => {
      state.storage.sql.exec("UPDATE relay_journal SET at = ?", Date.now() - TTL_MS - 1000);
    });
    expect(await runDurableObjectAlarm(sessionStub(key))).toBe(true);
    expect(await journalIds(key)).toEqual([]);
    expect(await sessionInfo(key)).toMatchObject({ errors: 0, undelivered: 0 });
    expect(await alarmOf(key)).toBeNull();
  });
});

describe("the count cap", () => {
  it(`keeps at most JOURNAL_MAX_RECORDS (${JOURNAL_MAX_RECORDS}) records, dropping the oldest and its outbox row`, async () => {
    const key = uniqueKey("retention-cap");
    const start = Date.now() - 3_600_000;
    const seeded = Array.from({ length: JOURNAL_MAX_RECORDS }, (_, index) => syntheticRecord(key, start + index * 10));
    const oldest = seeded[0];
    const secondOldest = seeded[1];
    if (!oldest || !secondOldest) throw new Error("unreachable");
    // The oldest waits for KV far in the future, so that only the cap can remove its outbox row.
    await seed(key, seeded, { undelivered: [oldest], dueAt: Date.now() + 3_600_000 });
    expect((await sessionInfo(key)).errors).toBe(JOURNAL_MAX_RECORDS);
    await sendError(key, 504);
    const [newest] = await journaled(key, 1);
    expect(newest?.status).toBe(504);
    const ids = await journalIds(key);
    expect(ids).toHaveLength(JOURNAL_MAX_RECORDS);
    expect(ids[0]).toBe(newest?.id);
    expect(ids).not.toContain(oldest.id);
    expect(ids.at(-1)).toBe(secondOldest.id);
    expect(await outboxIds(key)).not.toContain(oldest.id);
    await delivered(key, JOURNAL_MAX_RECORDS);
    expect(await alarmOf(key)).toBe(Date.parse(secondOldest.at) + TTL_MS);
  });
});
