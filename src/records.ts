/**
 * The error record (the contract's "Error journal" fields) and its summary, shared by the session object that
 * writes records and the forensics API that reads them.
 */
export type ErrorKind = "upstream_status" | "network" | "timeout" | "stream" | "stream_event";

export interface ErrorRecord {
  id: string;
  at: string;
  requestId: string;
  affinity: string | null;
  transport: "http" | "websocket";
  protocol: "transparent" | 1 | 2;
  kind: ErrorKind;
  method: string;
  upstreamUrl: string;
  status: number | null;
  statusText: string;
  headers: Record<string, string>;
  body: string | null;
  bodyTruncated: boolean;
  requestBodyBytes: number;
  durationMs: number;
  message: string | null;
}

/** `GET /_relay/sessions/<key>`: the session's stored base and journal counts. */
export interface SessionInfo {
  affinity: string | null;
  state: { hash: string; revision: number; bytes: number } | null;
  errors: number;
  ignored: Record<string, number>;
  /** Records not yet written to KV (retried by the object's alarm). */
  undelivered: number;
}

/** What a listing shows per record, and what each KV key's metadata holds (under KV's 1024-byte cap). */
export type ErrorSummary = Pick<
  ErrorRecord,
  "id" | "at" | "status" | "kind" | "transport" | "affinity" | "upstreamUrl" | "requestId"
>;

/** A KV key's metadata: the summary, with `cut` set when a long affinity or URL had to be shortened to fit. */
export type ErrorMetadata = ErrorSummary & { cut?: true };

const METADATA_LIMIT_BYTES = 1024;
/** Ends a shortened metadata value. ASCII: metadata travels in an HTTP header, where "…" draws warnings. */
export const CUT_MARK = "...";

export function toSummary(record: ErrorRecord): ErrorSummary {
  const { id, at, status, kind, transport, affinity, upstreamUrl, requestId } = record;
  return { id, at, status, kind, transport, affinity, upstreamUrl, requestId };
}

/**
 * The summary cut to fit KV metadata: long affinity keys and URLs are shortened (ending in CUT_MARK, and flagged
 * `cut`); the full values stay in the record itself.
 */
export function toMetadata(record: ErrorRecord): ErrorMetadata {
  const summary = toSummary(record);
  for (const max of [Number.POSITIVE_INFINITY, 256, 128, 64, 32]) {
    const affinity = summary.affinity === null ? null : shorten(summary.affinity, max);
    const upstreamUrl = shorten(summary.upstreamUrl, max * 2);
    const cut = affinity !== summary.affinity || upstreamUrl !== summary.upstreamUrl;
    const fitted: ErrorMetadata = { ...summary, affinity, upstreamUrl, ...(cut ? { cut: true } : {}) };
    if (new TextEncoder().encode(JSON.stringify(fitted)).byteLength <= METADATA_LIMIT_BYTES) return fitted;
  }
  // Unreachable in practice: every other field has a bounded size.
  return { ...summary, affinity: null, upstreamUrl: "", cut: true };
}

function shorten(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - CUT_MARK.length)}${CUT_MARK}`;
}
