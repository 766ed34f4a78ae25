/**
 * Delivers journal records to KV. A record's outbox row stays until both of its KV keys are written; a failed
 * write backs off exponentially and is retried by the object's alarm, so a KV outage loses nothing. Every key is
 * unique to its record (KV allows one write per second per key), and expires ERROR_TTL_SECONDS after the error
 * itself, however late the delivery.
 */
import { describeError } from "../src/errors";
import { globalKey, sessionKey } from "../src/kv-layout";
import { type ErrorRecord, toMetadata } from "../src/records";
import type { Journal } from "./journal";

/** KV refuses an expiration sooner than this. */
const MIN_KV_TTL_SECONDS = 60;
const BATCH = 50;
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 5 * 60 * 1000;

export function retryDelayMs(attempts: number): number {
  const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export class KvOutbox {
  readonly #storage: DurableObjectStorage;
  readonly #journal: Journal;

  constructor(storage: DurableObjectStorage, journal: Journal) {
    this.#storage = storage;
    this.#journal = journal;
  }

  /** When the next delivery is due, or null when nothing waits. */
  nextDue(): number | null {
    return this.#storage.sql.exec<{ due: number | null }>("SELECT MIN(next_attempt_at) AS due FROM relay_outbox").one().due;
  }

  pending(): number {
    return this.#storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM relay_outbox").one().n;
  }

  /**
   * Writes every due record to KV (`everything`: every waiting record, due or not); stops at the first failure
   * and defers what is left.
   */
  async flush(kv: KVNamespace, ttlSeconds: number, options: { everything?: boolean } = {}): Promise<void> {
    const sql = this.#storage.sql;
    for (;;) {
      const now = options.everything ? Number.MAX_SAFE_INTEGER : Date.now();
      const due = sql
        .exec<{ id: string; attempts: number }>(
          "SELECT id, attempts FROM relay_outbox WHERE next_attempt_at <= ? ORDER BY id LIMIT ?",
          now,
          BATCH,
        )
        .toArray();
      if (due.length === 0) return;
      for (const row of due) {
        try {
          await this.#deliver(kv, row.id, ttlSeconds);
          sql.exec("DELETE FROM relay_outbox WHERE id = ?", row.id);
        } catch (error) {
          const retryAt = Date.now() + retryDelayMs(row.attempts + 1);
          sql.exec("UPDATE relay_outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?", retryAt, row.id);
          // KV is failing: do not hammer it with the rest now, retry them with this one.
          sql.exec("UPDATE relay_outbox SET next_attempt_at = ? WHERE next_attempt_at < ?", retryAt, retryAt);
          console.warn(JSON.stringify({ event: "kv_write_failed", id: row.id, attempts: row.attempts + 1, retryAt, message: describeError(error) }));
          return;
        }
      }
    }
  }

  async #deliver(kv: KVNamespace, id: string, ttlSeconds: number): Promise<void> {
    const text = this.#journal.get(id);
    if (text === null) return; // pruned meanwhile
    // SAFETY: rows of relay_journal are written only by Journal.insert, from an ErrorRecord.
    const record = JSON.parse(text) as ErrorRecord;
    const remaining = ttlSeconds - Math.floor((Date.now() - Date.parse(record.at)) / 1000);
    if (remaining < MIN_KV_TTL_SECONDS) return; // it would have expired from KV already
    const options: KVNamespacePutOptions = { expirationTtl: remaining, metadata: toMetadata(record) };
    const writes = [kv.put(globalKey(id), text, options)];
    if (record.affinity !== null) writes.push(sessionKey(record.affinity, id).then((key) => kv.put(key, text, options)));
    await Promise.all(writes);
  }
}
