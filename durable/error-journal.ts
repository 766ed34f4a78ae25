/**
 * The session's error journaling, wired: every settled exchange is judged (error-record.ts), stored (journal.ts)
 * and delivered to KV (outbox.ts), all off the response path; the object's alarm retries deliveries and prunes
 * by age, and `#scheduleAlarm` is the one place that decides when it next runs.
 */
import { monotonicFactory } from "ulid";
import { readConfig, readSecret } from "../src/config";
import { type ErrorRecord } from "../src/records";
import { Redactor } from "../src/redact";
import { isWorthJudging, judgeExchange } from "./error-record";
import type { ExchangeReport } from "./exchange";
import { Journal } from "./journal";
import { KvOutbox } from "./outbox";

const AFFINITY_LOG_PREFIX = 12;

export class ErrorJournal {
  readonly #ctx: DurableObjectState;
  /** Read at each use: the object's env is what a test swaps to inject KV failures. */
  readonly #env: () => Env;
  readonly #journal: Journal;
  readonly #outbox: KvOutbox;
  /** ULIDs stay ordered within one millisecond, so same-millisecond records still list newest first. */
  readonly #nextId = monotonicFactory();
  #deliveries: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: () => Env) {
    this.#ctx = ctx;
    this.#env = env;
    this.#journal = new Journal(ctx.storage);
    this.#outbox = new KvOutbox(ctx.storage, this.#journal);
  }

  /**
   * Called when an exchange settles. The work runs on a later turn of the event loop, so that the storage write
   * never holds back (through the object's output gate) the response that is on its way to the client.
   */
  observe(report: ExchangeReport): void {
    if (!isWorthJudging(report) || readConfig(this.#env()).journalDisabled) return;
    this.#ctx.waitUntil(
      new Promise<void>((resolve) => {
        setTimeout(() => {
          try {
            this.#journalReport(report);
          } finally {
            resolve();
          }
        }, 0);
      }),
    );
  }

  #journalReport(report: ExchangeReport): void {
    const env = this.#env();
    const config = readConfig(env);
    const now = Date.now();
    const verdict = judgeExchange(report, {
      id: this.#nextId(now),
      now,
      ignoreStatuses: config.ignoreStatuses,
      redactor: new Redactor([readSecret(env, "RELAY_TOKEN"), readSecret(env, "ADMIN_TOKEN"), ...report.credentials]),
    });
    if (verdict.action === "count_ignored") this.#journal.countIgnored(verdict.status);
    if (verdict.action !== "record") return;
    const { record } = verdict;
    this.#journal.insert(record, now);
    // Issued in the same turn as the insert, so the two commit together: if the object dies before the
    // delivery below, the alarm still fires and delivers.
    void this.#scheduleAlarm();
    logRecord(record);
    this.#ctx.waitUntil(this.deliver());
  }

  /**
   * Delivers what is due to KV (`everything`: all that waits), then re-plans the alarm. Deliveries run one after
   * another, never overlapping.
   */
  deliver(options: { everything?: boolean } = {}): Promise<void> {
    const run = this.#deliveries.then(async () => {
      try {
        const env = this.#env();
        await this.#outbox.flush(env.RELAY_STATE, readConfig(env).errorTtlSeconds, options);
      } finally {
        await this.#scheduleAlarm();
      }
    });
    this.#deliveries = run.catch(() => {});
    return run;
  }

  /**
   * The alarm's work: drop records past retention, retry deliveries. The alarm fires when the earliest retry is
   * due, so it tries every waiting record (the first failure still stops the round).
   */
  async onAlarm(): Promise<void> {
    this.#journal.prune(Date.now(), readConfig(this.#env()).errorTtlSeconds);
    await this.deliver({ everything: true });
  }

  records(limit: number): ErrorRecord[] {
    return this.#journal.list(limit);
  }

  counts(): { errors: number; ignored: Record<string, number>; undelivered: number } {
    return { errors: this.#journal.count(), ignored: this.#journal.ignored(), undelivered: this.#outbox.pending() };
  }

  /** The next alarm is the earliest of: a delivery retry, the oldest record's end of retention. */
  async #scheduleAlarm(): Promise<void> {
    const ttlMs = readConfig(this.#env()).errorTtlSeconds * 1000;
    const oldest = this.#journal.oldestAt();
    const candidates = [this.#outbox.nextDue(), oldest === null ? null : oldest + ttlMs].filter(
      (at): at is number => at !== null,
    );
    if (candidates.length === 0) await this.#ctx.storage.deleteAlarm();
    else await this.#ctx.storage.setAlarm(Math.min(...candidates));
  }
}

/** One structured line per journaled error for `wrangler tail`: identifiers only, never headers or bodies. */
function logRecord(record: ErrorRecord): void {
  console.log(
    JSON.stringify({
      event: "upstream_error",
      id: record.id,
      requestId: record.requestId,
      kind: record.kind,
      status: record.status,
      affinity: record.affinity === null ? null : record.affinity.slice(0, AFFINITY_LOG_PREFIX),
      transport: record.transport,
    }),
  );
}
