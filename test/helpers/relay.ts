/** Shared helpers for tests inside workerd: calling the relay, naming sessions, asking the stand-in upstream. */
import { env, exports } from "cloudflare:workers";
import { inject } from "vitest";

export const UPSTREAM = `http://127.0.0.1:${inject("upstreamPort")}`;
export const RELAY = "https://relay.test";
/** On the allowlist, but nothing listens there (see vitest.config.ts). */
export const UNREACHABLE = "http://127.0.0.1:9";

/** The secrets the test runtime runs with (canary values, see vitest.config.ts). */
export function relayToken(): string {
  return readString(env, "RELAY_TOKEN");
}

export function adminToken(): string {
  return readString(env, "ADMIN_TOKEN");
}

function readString(source: object, name: string): string {
  const value: unknown = Reflect.get(source, name);
  if (typeof value !== "string") throw new Error(`${name} is not set in the test runtime`);
  return value;
}

let counter = 0;
/** A session key no other test uses: storage is shared by the tests of one file. */
export function uniqueKey(label: string): string {
  counter += 1;
  return `${label}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Calls the entry Worker as a client would. */
export function relayFetch(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${RELAY}${path}`, init));
}

/** Headers of an authenticated transparent-mode request, plus `extra`. */
export function clientHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { "x-relay-token": relayToken(), "content-type": "application/json", ...extra };
}

export interface SeenRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  bodyBytes: number;
  bodySha256: string;
  body: string | null;
  aborted: boolean;
  finished: boolean;
}

/** What the stand-in upstream saw for the request tagged `x-stand-in-id: id`, or null if it saw none. */
export async function upstreamSeen(id: string): Promise<SeenRequest | null> {
  const response = await fetch(`${UPSTREAM}/__stand-in/requests/${encodeURIComponent(id)}`);
  if (response.status === 404) return null;
  return (await response.json()) as SeenRequest;
}

/** Polls until `check` returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Reads a whole body as bytes. */
export async function bodyBytes(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}
