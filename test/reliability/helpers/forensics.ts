/**
 * The error journal seen through the forensics API: a session's summary and own records (its object's storage),
 * and the KV listings (global and per session), followed page by page through their cursors.
 */
import { adminJson } from "./context.js";

export interface JournalRecord {
  id: string;
  requestId: string;
  affinity: string | null;
  transport: string;
  protocol: string | number;
  kind: string;
  status: number | null;
  body: string | null;
  message: string | null;
  upstreamUrl: string;
  headers: Record<string, string>;
}

export interface Summary {
  id: string;
  requestId: string;
  affinity: string | null;
  kind: string;
  status: number | null;
}

export interface SessionSummary {
  affinity: string | null;
  state: { hash: string; revision: number; bytes: number } | null;
  errors: number;
  ignored: Record<string, number>;
  undelivered: number;
}

function objectWith<K extends string>(value: unknown, keys: readonly K[]): value is Record<K, unknown> {
  return typeof value === "object" && value !== null && keys.every((key) => key in value);
}

function listOf<T>(value: unknown, field: string, keys: readonly string[]): T[] {
  if (!objectWith(value, [field])) throw new Error(`no ${field} in ${JSON.stringify(value)}`);
  const list = value[field];
  if (!Array.isArray(list) || !list.every((item) => objectWith(item, keys))) throw new Error(`bad ${field}: ${JSON.stringify(value)}`);
  // SAFETY: every item was checked to carry the fields the tests read.
  return list as T[];
}

export function sessionPath(key: string): string {
  return `/_relay/sessions/${encodeURIComponent(key)}`;
}

export async function sessionSummary(key: string): Promise<SessionSummary> {
  const value = await adminJson(sessionPath(key));
  if (!objectWith(value, ["affinity", "state", "errors", "ignored", "undelivered"])) throw new Error(`bad summary: ${JSON.stringify(value)}`);
  // SAFETY: the fields were checked just above.
  return value as unknown as SessionSummary;
}

/** The session's own journal, newest first (at most 100, the API's cap). */
export async function sessionRecords(key: string): Promise<JournalRecord[]> {
  return listOf<JournalRecord>(await adminJson(`${sessionPath(key)}/errors?limit=100`), "errors", ["id", "requestId", "kind"]);
}

/** Every summary of a KV listing (`query` without cursor), following cursors; fails if they loop. */
export async function kvListing(query: string, maxPages = 200): Promise<{ errors: Summary[]; pages: number }> {
  const errors: Summary[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const path: string = cursor === null ? `/_relay/errors?${query}` : `/_relay/errors?${query}&cursor=${encodeURIComponent(cursor)}`;
    const page: unknown = await adminJson(path);
    errors.push(...listOf<Summary>(page, "errors", ["id", "requestId", "affinity", "kind", "status"]));
    const next: unknown = objectWith(page, ["cursor"]) ? page.cursor : undefined;
    if (next !== null && typeof next !== "string") throw new Error(`bad cursor in ${JSON.stringify(page)}`);
    cursor = next;
    pages += 1;
    if (pages > maxPages) throw new Error(`more than ${maxPages} pages of ${query}: the cursors loop`);
  } while (cursor !== null);
  return { errors, pages };
}

/**
 * Waits until every session holds its expected number of records and has delivered all of them to KV, or until
 * one shared deadline; returns each session's last summary (the caller asserts on them).
 */
export async function settledSummaries(expected: ReadonlyMap<string, number>, timeoutMs = 60_000): Promise<Map<string, SessionSummary>> {
  const deadline = Date.now() + timeoutMs;
  const summaries = new Map<string, SessionSummary>();
  let waiting = [...expected.keys()];
  for (;;) {
    const still: string[] = [];
    for (let index = 0; index < waiting.length; index += 16) {
      await Promise.all(waiting.slice(index, index + 16).map(async (key) => {
        const summary = await sessionSummary(key);
        summaries.set(key, summary);
        if (summary.errors < (expected.get(key) ?? 0) || summary.undelivered !== 0) still.push(key);
      }));
    }
    waiting = still;
    if (waiting.length === 0 || Date.now() > deadline) return summaries;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits until session `key` holds `errors` records and has delivered all of them to KV; returns its summary. */
export async function settledSummary(key: string, errors: number, timeoutMs = 30_000): Promise<SessionSummary> {
  const summary = (await settledSummaries(new Map([[key, errors]]), timeoutMs)).get(key);
  if (!summary) throw new Error(`no summary of ${key}`);
  return summary;
}
