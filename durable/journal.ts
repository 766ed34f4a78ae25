/**
 * The session's own error journal in SQLite: the source of truth, complete per session, bounded by age
 * (ERROR_TTL_SECONDS) and by count, plus the counters of ignored statuses. Each record enters together with
 * its outbox row (outbox.ts delivers it to KV), in one transaction: a record is never stored without its way out.
 */
import type { ErrorRecord } from "../src/records";

/** Per session. Older records beyond it are dropped first (from KV they expire by TTL on their own). */
export const JOURNAL_MAX_RECORDS = 1000;

export class Journal {
  readonly #storage: DurableObjectStorage;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
  }

  /** Stores a record and queues it for KV, first attempt due at `deliverAt`. */
  insert(record: ErrorRecord, deliverAt: number): void {
    const sql = this.#storage.sql;
    this.#storage.transactionSync(() => {
      sql.exec("INSERT INTO relay_journal (id, at, record) VALUES (?, ?, ?)", record.id, Date.parse(record.at), JSON.stringify(record));
      sql.exec("INSERT INTO relay_outbox (id, attempts, next_attempt_at) VALUES (?, 0, ?)", record.id, deliverAt);
      const excess = this.count() - JOURNAL_MAX_RECORDS;
      if (excess > 0) this.#deleteOldest(excess);
    });
  }

  countIgnored(status: number): void {
    this.#storage.sql.exec(
      "INSERT INTO relay_ignored (status, count) VALUES (?, 1) ON CONFLICT (status) DO UPDATE SET count = count + 1",
      status,
    );
  }

  /** Newest first. */
  list(limit: number): ErrorRecord[] {
    return this.#storage.sql
      .exec<{ record: string }>("SELECT record FROM relay_journal ORDER BY id DESC LIMIT ?", limit)
      .toArray()
      .map((row) => JSON.parse(row.record) as ErrorRecord);
  }

  get(id: string): string | null {
    return this.#storage.sql.exec<{ record: string }>("SELECT record FROM relay_journal WHERE id = ?", id).toArray()[0]?.record ?? null;
  }

  count(): number {
    return this.#storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM relay_journal").one().n;
  }

  ignored(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const row of this.#storage.sql.exec<{ status: number; count: number }>("SELECT status, count FROM relay_ignored ORDER BY status")) {
      counts[String(row.status)] = row.count;
    }
    return counts;
  }

  /** Drops records older than `ttlSeconds` (and their undelivered outbox rows: KV would not keep them either). */
  prune(now: number, ttlSeconds: number): void {
    const cutoff = now - ttlSeconds * 1000;
    const sql = this.#storage.sql;
    this.#storage.transactionSync(() => {
      sql.exec("DELETE FROM relay_outbox WHERE id IN (SELECT id FROM relay_journal WHERE at <= ?)", cutoff);
      sql.exec("DELETE FROM relay_journal WHERE at <= ?", cutoff);
    });
  }

  /** When the oldest record falls out of retention, or null when there is none. */
  oldestAt(): number | null {
    return this.#storage.sql.exec<{ at: number | null }>("SELECT MIN(at) AS at FROM relay_journal").one().at;
  }

  #deleteOldest(count: number): void {
    const sql = this.#storage.sql;
    const oldest = "SELECT id FROM relay_journal ORDER BY id ASC LIMIT ?";
    sql.exec(`DELETE FROM relay_outbox WHERE id IN (${oldest})`, count);
    sql.exec(`DELETE FROM relay_journal WHERE id IN (${oldest})`, count);
  }
}
