/**
 * Decides what an exchange leaves in the journal, and builds the record: classified, its body preview decoded
 * without splitting a character, and every credential and known secret redacted. Pure: storage is journal.ts.
 */
import type { ErrorKind, ErrorRecord } from "../src/records";
import type { Redactor } from "../src/redact";
import type { ExchangeReport } from "./exchange";

export type Verdict =
  | { action: "record"; record: ErrorRecord }
  | { action: "count_ignored"; status: number }
  | { action: "none" };

/** Whether an exchange can leave anything in the journal at all (most do not: a clean answer under 400). */
export function isWorthJudging(report: ExchangeReport): boolean {
  return report.failure !== null || (report.status !== null && report.status >= 400) || report.sseErrors.length > 0;
}

export function judgeExchange(
  report: ExchangeReport,
  options: { id: string; now: number; ignoreStatuses: ReadonlySet<number>; redactor: Redactor },
): Verdict {
  const { status, failure } = report;
  if (!isWorthJudging(report)) return { action: "none" };
  let kind: ErrorKind;
  let message: string | null = null;
  if (failure !== null) {
    kind = failure.kind;
    message = failure.message;
  } else if (status !== null && status >= 400) {
    if (options.ignoreStatuses.has(status)) return { action: "count_ignored", status };
    kind = "upstream_status";
  } else if (report.sseErrors.length > 0) {
    kind = "stream_event";
    message = report.sseErrors[0] ?? "";
  } else {
    return { action: "none" };
  }
  const { redactor } = options;
  const record: ErrorRecord = {
    id: options.id,
    at: new Date(options.now).toISOString(),
    requestId: report.meta.requestId,
    affinity: report.meta.affinity,
    transport: report.meta.transport,
    protocol: report.meta.protocol,
    kind,
    method: report.method,
    upstreamUrl: redactor.text(report.upstreamUrl),
    status,
    statusText: redactor.text(report.statusText),
    headers: report.headers === null ? {} : redactor.headers(report.headers),
    body: report.headers === null ? null : redactor.text(decodePreview(report.preview), { cut: report.previewTruncated }),
    bodyTruncated: report.previewTruncated,
    requestBodyBytes: report.requestBodyBytes,
    durationMs: report.durationMs,
    // An SSE error event's data is kept up to a cap, so it may be cut like a preview.
    message: message === null ? null : redactor.text(message, { cut: kind === "stream_event" }),
  };
  return { action: "record", record };
}

/** Decodes the preview as UTF-8; a character cut at the preview's end is dropped rather than mangled. */
function decodePreview(bytes: Uint8Array): string {
  // `stream: true` holds back an incomplete trailing sequence instead of turning it into U+FFFD.
  return new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(bytes, { stream: true });
}
