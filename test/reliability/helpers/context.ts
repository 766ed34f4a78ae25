/**
 * The reliability suite's view of its relay (test/reliability/global-setup.ts): addresses, canary secrets, the
 * headers every client request carries, calling the relay, the forensics API (every answer is kept for the
 * final secrets scan), and what the stand-in upstream saw.
 */
import { randomBytes } from "node:crypto";
import { appendFileSync, readFileSync } from "node:fs";
import { inject } from "vitest";

export const ctx = inject("reliability");

let counter = 0;
/** A session key no other test of this run uses, prefixed with the run's id. */
export function uniqueKey(label: string): string {
  counter += 1;
  return `${ctx.runId}-${label}-${counter}-${randomBytes(3).toString("hex")}`;
}

/** The credentials a client sends for the upstream: every one a canary, so a leak can be searched for. */
export function credentialHeaders(): Record<string, string> {
  const { bearer, apiKey, cookie, proxy } = ctx.credentials;
  return {
    authorization: `Bearer ${bearer}`,
    "x-api-key": apiKey,
    cookie: `theme=dark; session=${cookie}`,
    "proxy-authorization": `Basic ${proxy}`,
  };
}

/** Every canary of the run, by name. */
export function canaries(): Record<string, string> {
  return { relayToken: ctx.relayToken, adminToken: ctx.adminToken, ...ctx.credentials };
}

/**
 * An authenticated client request's headers: the relay token, the upstream credentials, JSON, and no
 * compression (so response bytes can be compared as they left the upstream).
 */
export function clientHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return {
    "x-relay-token": ctx.relayToken,
    ...credentialHeaders(),
    "content-type": "application/json",
    "accept-encoding": "identity",
    ...extra,
  };
}

export function relayFetch(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${ctx.relayUrl}${path}`, init);
}

/** A transparent-mode POST (SSE when `stream` is set) in session `key` (none when null). */
export function transparent(key: string | null, headers: Record<string, string> = {}, init: RequestInit = {}): Promise<Response> {
  const affinity: Record<string, string> = key === null ? {} : { "x-session-affinity": key };
  return relayFetch("/v1/messages", {
    method: "POST",
    body: JSON.stringify({ model: "stand-in-model", stream: true, messages: [{ role: "user", content: "hi" }] }),
    ...init,
    headers: clientHeaders({ ...affinity, ...headers }),
  });
}

export interface AdminAnswer {
  status: number;
  text: string;
}

/** A forensics GET with the admin token; the answer is appended to the run's answers file for the secrets scan. */
export async function adminGet(path: string): Promise<AdminAnswer> {
  const response = await relayFetch(path, { headers: { "x-relay-admin-token": ctx.adminToken } });
  const text = await response.text();
  appendFileSync(ctx.answersFile, `${response.status} GET ${path}\n${text}\n`);
  return { status: response.status, text };
}

/** A forensics answer that must be 200 JSON. */
export async function adminJson(path: string): Promise<unknown> {
  const answer = await adminGet(path);
  if (answer.status !== 200) throw new Error(`${path}: ${answer.status} ${answer.text}`);
  return JSON.parse(answer.text);
}

export interface SeenRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  bodyBytes: number;
  body: string | null;
  aborted: boolean;
  finished: boolean;
}

function isSeenRequest(value: unknown): value is SeenRequest {
  return typeof value === "object" && value !== null && "path" in value && "aborted" in value && "headers" in value;
}

/** What the stand-in saw for `x-stand-in-id: id`, or null when it saw no such request. */
export async function upstreamSeen(id: string): Promise<SeenRequest | null> {
  const response = await fetch(`${ctx.upstreamOrigin}/__stand-in/requests/${encodeURIComponent(id)}`);
  const value: unknown = await response.json();
  if (response.status === 404) return null;
  if (!isSeenRequest(value)) throw new Error(`unexpected stand-in answer: ${JSON.stringify(value)}`);
  return value;
}

/** Polls `check` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(50);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The relay's logs so far (stdout and stderr of `wrangler dev`). */
export function relayLogs(): string {
  return readFileSync(ctx.logFile, "utf8");
}

/** Runs `work` over `items` with at most `concurrency` at once. */
export async function forEachConcurrently<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < items.length; index = next++) {
      const item = items[index];
      if (item !== undefined) await work(item, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
