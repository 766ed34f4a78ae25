/**
 * The error journal from the outside, for tests inside workerd: waiting for records (journaling is off the
 * response path), reading the forensics API, dumping KV and a session object's SQLite tables, capturing logs.
 * Fault injection (a swapped env, failing or slow KV) is in object-faults.ts.
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { vi } from "vitest";
import type { SessionRelay } from "../../durable/session-relay";
import type { ErrorMetadata, ErrorRecord, ErrorSummary, SessionInfo } from "../../src/records";
import { adminToken, clientHeaders, eventually, relayFetch } from "./relay";

/** The contract's defaults, which the test runtime keeps (wrangler.toml; vitest.config.ts does not override them). */
export const ERROR_TTL_SECONDS = 604800;
export const ERROR_BODY_PREVIEW_BYTES = 51200;

/** The contract's record fields, exactly. */
export const RECORD_FIELDS = [
  "id", "at", "requestId", "affinity", "transport", "protocol", "kind", "method", "upstreamUrl", "status",
  "statusText", "headers", "body", "bodyTruncated", "requestBodyBytes", "durationMs", "message",
].sort();

/** The contract's summary fields, exactly. */
export const SUMMARY_FIELDS = ["id", "at", "status", "kind", "transport", "affinity", "upstreamUrl", "requestId"].sort();

export const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function sessionStub(key: string): DurableObjectStub<SessionRelay> {
  return env.SESSIONS.get(env.SESSIONS.idFromName(key));
}

/** A transparent-mode POST to `/v1/messages` (plus `query`), in session `key` (none when null). */
export function transparentRequest(
  key: string | null,
  headers: Record<string, string> = {},
  options: { body?: string; method?: string; path?: string } = {},
): Promise<Response> {
  const affinity: Record<string, string> = key === null ? {} : { "x-session-affinity": key };
  const method = options.method ?? "POST";
  return relayFetch(options.path ?? "/v1/messages", {
    method,
    redirect: "manual",
    headers: clientHeaders({ ...affinity, ...headers }),
    body: method === "GET" || method === "HEAD" ? null : (options.body ?? "{}"),
  });
}

/** Stand-in headers for an error answer with `status` (the stand-in's Anthropic-shaped JSON error body). */
export function statusHeaders(status: number, extra: Record<string, string> = {}): Record<string, string> {
  return { "x-stand-in-scenario": "status", "x-stand-in-status": String(status), ...extra };
}

/** Waits until session `key`'s own journal holds at least `count` records; returns them newest first. */
export async function journaled(key: string, count = 1, timeoutMs = 5000): Promise<ErrorRecord[]> {
  const stub = sessionStub(key);
  return eventually(async () => {
    const records = await stub.errorRecords(100);
    return records.length >= count ? records : null;
  }, timeoutMs);
}

/** Waits until session `key` journaled at least `count` records and delivered all of them to KV. */
export async function delivered(key: string, count = 1, timeoutMs = 5000): Promise<ErrorRecord[]> {
  const stub = sessionStub(key);
  await eventually(async () => {
    const info = await stub.sessionInfo();
    return info.errors >= count && info.undelivered === 0;
  }, timeoutMs);
  return stub.errorRecords(100);
}

export async function sessionInfo(key: string): Promise<SessionInfo> {
  return sessionStub(key).sessionInfo();
}

/** The record with this request id, from KV (the only way to reach a record of a request without a session). */
export async function recordByRequestId(requestId: string, timeoutMs = 5000): Promise<ErrorRecord> {
  return eventually(async () => {
    const entry = (await kvList("errors/")).find((key) => key.metadata?.requestId === requestId);
    if (!entry) return null;
    return env.RELAY_STATE.get<ErrorRecord>(entry.name, "json");
  }, timeoutMs);
}

/** Lets the clock move past the current millisecond, so that the next record is strictly newer. */
export async function nextMillisecond(): Promise<void> {
  const start = Date.now();
  while (Date.now() <= start + 1) await new Promise((resolve) => setTimeout(resolve, 2));
}

/** Calls the forensics API with the admin token. */
export function adminFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("x-relay-admin-token")) headers.set("x-relay-admin-token", adminToken());
  return relayFetch(path, { ...init, headers });
}

/** A forensics answer that must be 200 JSON. */
export async function adminJson<T>(path: string): Promise<T> {
  const response = await adminFetch(path);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${text}`);
  // SAFETY: the caller names the contract's shape; tests then assert on its fields.
  return JSON.parse(text) as T;
}

export interface ErrorListing {
  errors: ErrorSummary[];
  cursor: string | null;
}

/** Follows a listing's cursors from the first page to the last; returns every page. */
export async function allPages(path: string, maxPages = 50): Promise<ErrorListing[]> {
  const pages: ErrorListing[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes("?") ? "&" : "?";
    const url: string = cursor === null ? path : `${path}${separator}cursor=${encodeURIComponent(cursor)}`;
    const page: ErrorListing = await adminJson<ErrorListing>(url);
    pages.push(page);
    cursor = page.cursor;
    if (pages.length > maxPages) throw new Error(`more than ${maxPages} pages: the cursors loop`);
  } while (cursor !== null);
  return pages;
}

export interface KvKey {
  name: string;
  expiration?: number;
  metadata?: ErrorMetadata;
}

/** Every key under `prefix`, in KV's own (ascending) order. */
export async function kvList(prefix: string): Promise<KvKey[]> {
  const keys: KvKey[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page: KVNamespaceListResult<ErrorMetadata> = await env.RELAY_STATE.list<ErrorMetadata>({ prefix, cursor });
    keys.push(...page.keys);
    if (page.list_complete) return keys;
    cursor = page.cursor;
  }
}

/** Every key, value and metadata in RELAY_STATE, as one text to search. */
export async function kvDump(): Promise<string> {
  const parts: string[] = [];
  for (const key of await kvList("")) {
    const value = await env.RELAY_STATE.get(key.name, "text");
    parts.push(key.name, JSON.stringify(key.metadata ?? null), value ?? "");
  }
  return parts.join("\n");
}

/** Every row of every table of session `key`'s SQLite storage, and its storage KV entries, as one text to search (BLOBs decoded as UTF-8). */
export async function sqlDump(key: string): Promise<string> {
  return runInDurableObject(sessionStub(key), async (_instance, state) => {
    const sql = state.storage.sql;
    const tables = sql
      // `_cf_*` tables are the runtime's own (unreadable from the object, so nothing of ours is there);
      // what the object could put through the storage KV API is listed below.
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND lower(name) NOT LIKE '\\_cf\\_%' ESCAPE '\\'")
      .toArray()
      .map((row) => row.name);
    const decoder = new TextDecoder();
    const parts: string[] = [`tables: ${tables.join(",")}`];
    for (const table of tables) {
      for (const row of sql.exec(`SELECT * FROM "${table}"`)) {
        const values = Object.values(row).map((value) => (value instanceof ArrayBuffer ? decoder.decode(value) : String(value)));
        parts.push(`${table}: ${values.join(" | ")}`);
      }
    }
    for (const [name, value] of await state.storage.list()) parts.push(`storage kv ${name}: ${safeStringify(value)}`);
    return parts.join("\n");
  });
}

/** The names of session `key`'s tables (to prove that a dump looked at the journal's tables). */
export async function tableNames(key: string): Promise<string[]> {
  return runInDurableObject(sessionStub(key), (_instance, state) =>
    state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .toArray()
      .map((row) => row.name),
  );
}

export interface LogCapture {
  /** Every captured call, its arguments joined by spaces, in order. */
  readonly lines: string[];
  /** Captured lines that are JSON objects with this `event`. */
  events(event: string): Record<string, unknown>[];
  restore(): void;
}

/**
 * Captures console output (the session objects run in the tests' isolate, so their logs land here too).
 * Nothing is printed while capturing.
 */
export function captureLogs(): LogCapture {
  const lines: string[] = [];
  const methods = ["log", "info", "warn", "error", "debug"] as const;
  const spies = methods.map((method) =>
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map((arg) => (typeof arg === "string" ? arg : safeStringify(arg))).join(" "));
    }),
  );
  return {
    lines,
    events(event: string) {
      const found: Record<string, unknown>[] = [];
      for (const line of lines) {
        try {
          const value: unknown = JSON.parse(line);
          if (typeof value === "object" && value !== null && Reflect.get(value, "event") === event) {
            // SAFETY: a non-null object parsed from JSON.
            found.push(value as Record<string, unknown>);
          }
        } catch {
          // not a JSON line
        }
      }
      return found;
    },
    restore() {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

function safeStringify(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}\n${value.stack ?? ""}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Runs `callback` with session `key`'s object state (seeding rows, reading the outbox or the alarm). */
export function inObject<R>(key: string, callback: (state: DurableObjectState) => R | Promise<R>): Promise<R> {
  return runInDurableObject(sessionStub(key), (_instance, state) => callback(state));
}

/** The canaries that occur in `text` (empty when none leaked). */
export function leaks(text: string, canaries: readonly string[]): string[] {
  return canaries.filter((canary) => text.includes(canary));
}

/**
 * Journals one upstream error per status in session `key`, in order, each strictly newer than the one before, and
 * waits until all are delivered to KV. Returns the new records, newest first.
 */
export async function journalStatuses(key: string, statuses: number[], options: { path?: string } = {}): Promise<ErrorRecord[]> {
  const before = (await sessionInfo(key)).errors;
  for (const [index, status] of statuses.entries()) {
    await nextMillisecond();
    const response = await transparentRequest(key, statusHeaders(status), { path: options.path });
    await response.text();
    await delivered(key, before + index + 1);
  }
  return (await delivered(key, before + statuses.length)).slice(0, statuses.length);
}

/** The contract's summary of a record (what a listing shows and each KV key's metadata holds). */
export function summaryOf(record: ErrorRecord): ErrorSummary {
  const { id, at, status, kind, transport, affinity, upstreamUrl, requestId } = record;
  return { id, at, status, kind, transport, affinity, upstreamUrl, requestId };
}
