/**
 * Wire types of the client protocols and their validators, shared by the entry Worker (which rejects bad input
 * before waking an object) and the session object (which trusts nothing it did not check itself).
 * Every validator throws a 400 RelayError whose message names the offending field.
 */
import { isValidAffinity } from "./affinity";
import type { RelayConfig } from "./config";
import { invalidRequest, RelayError } from "./errors";

/** A protocol-1 patch: replace `deleteCount` UTF-16 code units at `start` of the base with `insert`. */
export interface Patch {
  start: number;
  deleteCount: number;
  insert: string;
}

export interface UpstreamTarget {
  url: URL;
  method: string;
  headers: Record<string, string>;
}

interface EnvelopeCommon {
  affinity: string;
  upstream: UpstreamTarget;
  revision: number;
  nextHash: string;
}

export type BodyUpdate = { mode: "full_sync"; body: string } | { mode: "patch"; baseHash: string; patches: Patch[] };

/** A validated protocol-1 request (also the payload of a protocol-2 request frame). */
export type Envelope = EnvelopeCommon & BodyUpdate;

const HASH = /^sha256:[0-9a-f]{64}$/;
/** RFC 9110 token: header names and methods. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What `Headers` accepts as a value: no CR, LF or NUL, nothing above 0xFF. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const BODILESS_METHODS = new Set(["GET", "HEAD"]);

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses JSON text, turning a syntax error into a 400 rather than a 500. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalidRequest(`${what} is not valid JSON`);
  }
}

/**
 * Validates a protocol-1 envelope: every field the contract names, the upstream URL against the allowlist (403),
 * and the affinity key. `expectedProtocol` lets protocol 2 reuse it for request frames.
 */
export function parseEnvelope(value: unknown, config: RelayConfig, expectedProtocol: 1 | 2 = 1): Envelope {
  if (!isRecord(value)) throw invalidRequest("the envelope must be a JSON object");
  if (value.protocol !== expectedProtocol) throw invalidRequest(`protocol must be ${expectedProtocol}`);
  if (value.type !== "request") throw invalidRequest('type must be "request"');
  if (typeof value.affinity !== "string" || !isValidAffinity(value.affinity)) {
    throw invalidRequest("affinity must be 1 to 256 visible ASCII characters (0x21-0x7E)");
  }
  const common: EnvelopeCommon = {
    affinity: value.affinity,
    upstream: parseUpstream(value.upstream, config),
    revision: parseRevision(value.revision),
    nextHash: parseHash(value.next_hash, "next_hash"),
  };
  if (value.mode === "full_sync") {
    if (typeof value.body !== "string") throw invalidRequest("body must be a string in full_sync mode");
    return { ...common, mode: "full_sync", body: value.body };
  }
  if (value.mode === "patch") {
    return {
      ...common,
      mode: "patch",
      baseHash: parseHash(value.base_hash, "base_hash"),
      patches: parsePatches(value.patch),
    };
  }
  throw invalidRequest('mode must be "full_sync" or "patch"');
}

function parseRevision(value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalidRequest("revision must be a non-negative integer");
  }
  return value;
}

function parseHash(value: unknown, field: string): string {
  if (typeof value !== "string" || !HASH.test(value.toLowerCase())) {
    throw invalidRequest(`${field} must be "sha256:" followed by 64 hex digits`);
  }
  return value.toLowerCase();
}

function parsePatches(value: unknown): Patch[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw invalidRequest("patch must be a patch object or a non-empty list of them");
  return list.map((item: unknown, index) => {
    const field = Array.isArray(value) ? `patch[${index}]` : "patch";
    if (!isRecord(item)) throw invalidRequest(`${field} must be an object {start, deleteCount, insert}`);
    const { start, deleteCount, insert } = item;
    if (!isCount(start)) throw invalidRequest(`${field}.start must be a non-negative integer`);
    if (!isCount(deleteCount)) throw invalidRequest(`${field}.deleteCount must be a non-negative integer`);
    if (typeof insert !== "string") throw invalidRequest(`${field}.insert must be a string`);
    return { start, deleteCount, insert };
  });
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function parseUpstream(value: unknown, config: RelayConfig): UpstreamTarget {
  if (!isRecord(value)) throw invalidRequest("upstream must be an object {url, method, headers}");
  if (typeof value.url !== "string") throw invalidRequest("upstream.url must be an absolute URL string");
  const method = value.method === undefined ? "POST" : value.method;
  if (typeof method !== "string" || !TOKEN.test(method)) throw invalidRequest("upstream.method must be an HTTP method");
  if (BODILESS_METHODS.has(method.toUpperCase())) {
    throw invalidRequest("upstream.method cannot be GET or HEAD: the envelope always carries a body");
  }
  return { url: checkAllowedUrl(value.url, config), method, headers: parseHeaderMap(value.headers) };
}

function parseHeaderMap(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) throw invalidRequest("upstream.headers must be an object of string values");
  const headers: Record<string, string> = {};
  for (const [name, headerValue] of Object.entries(value)) {
    if (!TOKEN.test(name)) throw invalidRequest("upstream.headers has an invalid header name");
    if (typeof headerValue !== "string" || !HEADER_VALUE.test(headerValue)) {
      throw invalidRequest(`upstream.headers["${name}"] must be a string without line breaks`);
    }
    headers[name] = headerValue;
  }
  return headers;
}

/**
 * The relay is never an open proxy: an envelope's URL must be absolute http(s), carry no credentials, and have
 * an origin on the allowlist (403 otherwise, before anything is sent).
 */
export function checkAllowedUrl(raw: string, config: RelayConfig): URL {
  const url = URL.canParse(raw) ? new URL(raw) : null;
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw invalidRequest("upstream.url must be an absolute http(s) URL");
  }
  if (url.username !== "" || url.password !== "") {
    throw new RelayError(403, "upstream.url must not carry credentials");
  }
  if (!config.allowlist.has(url.origin)) {
    throw new RelayError(403, `upstream origin ${url.origin} is not in UPSTREAM_ALLOWLIST`);
  }
  return url;
}

/** A protocol-2 request id: 1 to 64 visible ASCII characters. */
const FRAME_ID = /^[\x21-\x7e]{1,64}$/;

export type ClientFrame =
  | { type: "request"; id: string; envelope: Envelope }
  | { type: "cancel"; id: string }
  | { type: "ping" };

/** A frame the relay cannot act on; `id` is set when the frame named a valid one, so the client can match it. */
export class FrameError extends Error {
  readonly id: string | null;
  readonly status: number;

  constructor(error: RelayError, id: string | null = null) {
    super(error.message);
    this.name = "FrameError";
    this.id = id;
    this.status = error.status;
  }
}

/**
 * Parses a protocol-2 text frame. Requests are protocol-1 envelopes plus an `id`, with `protocol: 2`; their
 * `affinity`, when present, must be the socket's own session. Throws FrameError.
 */
export function parseClientFrame(text: string, config: RelayConfig, affinity: string): ClientFrame {
  let value: unknown;
  try {
    value = parseJson(text, "the frame");
  } catch (error) {
    throw new FrameError(error instanceof RelayError ? error : invalidRequest("the frame is not valid JSON"));
  }
  if (!isRecord(value)) throw new FrameError(invalidRequest("a frame must be a JSON object"));
  if (value.protocol !== undefined && value.protocol !== 2) throw new FrameError(invalidRequest("protocol must be 2"));
  if (value.type === "ping") return { type: "ping" };
  if (value.type !== "request" && value.type !== "cancel") {
    throw new FrameError(invalidRequest('type must be "request", "cancel" or "ping"'));
  }
  if (typeof value.id !== "string" || !FRAME_ID.test(value.id)) {
    throw new FrameError(invalidRequest("id must be 1 to 64 visible ASCII characters"));
  }
  const id = value.id;
  if (value.type === "cancel") return { type: "cancel", id };
  try {
    if (value.affinity !== undefined && value.affinity !== affinity) {
      throw invalidRequest("affinity must be this socket's session (or left out)");
    }
    return { type: "request", id, envelope: parseEnvelope({ ...value, affinity }, config, 2) };
  } catch (error) {
    throw new FrameError(error instanceof RelayError ? error : invalidRequest("invalid request frame"), id);
  }
}
