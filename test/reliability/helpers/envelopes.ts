/**
 * Protocol-1 envelopes (and protocol-2 request frames, which are the same plus an id) built the way the old
 * plugin's client builds them, hashes as the contract defines them, and a conversation that tracks the session's
 * base so that each turn can be sent as a patch.
 */
import { createHash } from "node:crypto";
import { clientHeaders, credentialHeaders, ctx, relayFetch } from "./context.js";

export interface Patch {
  start: number;
  deleteCount: number;
  insert: string;
}

/** `sha256:` + hex of the text's UTF-8 bytes. */
export function sha256(text: string): string {
  return `sha256:${createHash("sha256").update(text, "utf8").digest("hex")}`;
}

/** `upstream` of an envelope: the stand-in's messages endpoint, the client's credentials, plus `headers`. */
export function upstreamField(headers: Record<string, string> = {}, url = `${ctx.upstreamOrigin}/v1/messages`): Record<string, unknown> {
  return { url, method: "POST", headers: { ...credentialHeaders(), "content-type": "application/json", ...headers } };
}

export function fullSyncEnvelope(options: { affinity: string; body: string; revision?: number; headers?: Record<string, string>; url?: string }): Record<string, unknown> {
  return {
    protocol: 1,
    type: "request",
    affinity: options.affinity,
    upstream: upstreamField(options.headers, options.url),
    mode: "full_sync",
    revision: options.revision ?? 1,
    next_hash: sha256(options.body),
    body: options.body,
  };
}

export function patchEnvelope(options: {
  affinity: string;
  base: string;
  patch: Patch | Patch[];
  next: string;
  revision: number;
  headers?: Record<string, string>;
}): Record<string, unknown> {
  return {
    protocol: 1,
    type: "request",
    affinity: options.affinity,
    upstream: upstreamField(options.headers),
    mode: "patch",
    revision: options.revision,
    base_hash: sha256(options.base),
    next_hash: sha256(options.next),
    patch: options.patch,
  };
}

/** The protocol-2 request frame for an envelope. */
export function toFrame(envelope: Record<string, unknown>, id: string): Record<string, unknown> {
  return { ...envelope, protocol: 2, id };
}

/** POSTs an envelope (a value serialised as JSON, or raw text) to `/` with the relay token and credentials. */
export function postEnvelope(envelope: unknown, headers: Record<string, string> = {}, init: RequestInit = {}): Promise<Response> {
  return relayFetch("/", {
    ...init,
    method: "POST",
    headers: clientHeaders(headers),
    body: typeof envelope === "string" ? envelope : JSON.stringify(envelope),
  });
}

/** A Messages API request body asking for a stream, with `turns` user messages. */
export function conversationBody(label: string, turns: number): string {
  const messages = Array.from({ length: turns }, (_, turn) => ({ role: "user", content: `${label} turn ${turn} héllo 世界` }));
  return JSON.stringify({ model: "stand-in-model", stream: true, max_tokens: 64, messages });
}

/**
 * One session's conversation as a client sees it: the base the relay stored last, and the next turn's envelope,
 * a patch on that base (every fifth one a list of two patches) or a full_sync when there is no base yet.
 */
export class Conversation {
  readonly affinity: string;
  #base: string | null = null;
  #known = true;
  #revision = 0;
  #turns = 0;

  constructor(affinity: string) {
    this.affinity = affinity;
  }

  get revision(): number {
    return this.#revision;
  }

  get base(): string | null {
    return this.#base;
  }

  /** False after `reset`: what the relay stored is then unknown to the client. */
  get known(): boolean {
    return this.#known;
  }

  /** The next turn's envelope and the body it rebuilds to; call `commit` once the relay accepted it. */
  next(headers: Record<string, string>, options: { fullSync?: boolean } = {}): { envelope: Record<string, unknown>; body: string } {
    const turns = this.#turns + 1;
    const body = conversationBody(this.affinity, turns);
    const revision = this.#revision + 1;
    const base = this.#base;
    if (base === null || options.fullSync) {
      return { envelope: fullSyncEnvelope({ affinity: this.affinity, body, revision, headers }), body };
    }
    const patch = diff(base, body, turns % 5 === 0);
    return { envelope: patchEnvelope({ affinity: this.affinity, base, patch, next: body, revision, headers }), body };
  }

  /** Forgets the base (the client no longer knows what the relay stored): the next turn is a full_sync. */
  reset(): void {
    this.#base = null;
    this.#known = false;
  }

  commit(body: string): void {
    this.#base = body;
    this.#known = true;
    this.#revision += 1;
    this.#turns += 1;
  }
}

/** Patches turning `base` into `next`: one replacing the differing middle, or two disjoint ones when `split`. */
function diff(base: string, next: string, split: boolean): Patch | Patch[] {
  let prefix = 0;
  while (prefix < base.length && prefix < next.length && base[prefix] === next[prefix]) prefix += 1;
  let suffix = 0;
  while (suffix < base.length - prefix && suffix < next.length - prefix && base[base.length - 1 - suffix] === next[next.length - 1 - suffix]) suffix += 1;
  const single: Patch = { start: prefix, deleteCount: base.length - prefix - suffix, insert: next.slice(prefix, next.length - suffix) };
  if (!split || prefix < 2) return single;
  // Two patches on disjoint ranges: rewrite one character of the common prefix with itself, then the rest.
  return [{ start: 0, deleteCount: 1, insert: base.slice(0, 1) }, single];
}
