/** Protocol-1 envelopes for tests: building them, hashing bodies the contract's way, posting them to the relay. */
import { relayFetch, relayToken, UPSTREAM } from "./relay";

const encoder = new TextEncoder();

/** `sha256:` + hex of the text's UTF-8 bytes, as the contract hashes bodies. */
export async function sha256Of(text: string): Promise<string> {
  return `sha256:${await sha256Hex(encoder.encode(text))}`;
}

/** Bare hex SHA-256 of bytes (what the stand-in records as `bodySha256`). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export interface PatchOp {
  start: number;
  deleteCount: number;
  insert: string;
}

export interface UpstreamOptions {
  url?: string;
  method?: string;
  /** Upstream headers, e.g. stand-in steering (`x-stand-in-id`, `x-stand-in-scenario`). */
  headers?: Record<string, string>;
}

function upstreamField(options: UpstreamOptions): Record<string, unknown> {
  return {
    url: options.url ?? `${UPSTREAM}/v1/messages`,
    method: options.method ?? "POST",
    headers: options.headers ?? {},
  };
}

/** A valid full_sync envelope for `body` (next_hash computed unless given). */
export async function fullSyncEnvelope(options: {
  affinity: string;
  body: string;
  revision?: number;
  nextHash?: string;
  upstream?: UpstreamOptions;
}): Promise<Record<string, unknown>> {
  return {
    protocol: 1,
    type: "request",
    affinity: options.affinity,
    upstream: upstreamField(options.upstream ?? {}),
    mode: "full_sync",
    revision: options.revision ?? 1,
    next_hash: options.nextHash ?? (await sha256Of(options.body)),
    body: options.body,
  };
}

/** A patch envelope; `expected` is the body the client expects after the patch (its hash is next_hash). */
export async function patchEnvelope(options: {
  affinity: string;
  base: string;
  patch: PatchOp | PatchOp[];
  expected: string;
  revision?: number;
  baseHash?: string;
  nextHash?: string;
  upstream?: UpstreamOptions;
}): Promise<Record<string, unknown>> {
  return {
    protocol: 1,
    type: "request",
    affinity: options.affinity,
    upstream: upstreamField(options.upstream ?? {}),
    mode: "patch",
    revision: options.revision ?? 2,
    next_hash: options.nextHash ?? (await sha256Of(options.expected)),
    base_hash: options.baseHash ?? (await sha256Of(options.base)),
    patch: options.patch,
  };
}

/** POSTs an envelope (any value, serialised as JSON, or raw text) to `/` with the relay token. */
export function postEnvelope(envelope: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const body = typeof envelope === "string" ? envelope : JSON.stringify(envelope);
  return relayFetch("/", {
    method: "POST",
    headers: { "x-relay-token": relayToken(), "content-type": "application/json", ...headers },
    body,
  });
}
