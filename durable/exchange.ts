/**
 * The one execution core: a single upstream exchange, whatever transport the client came in on. It sends the
 * request (timeout until headers, manual redirects, cancellable), then hands out the body chunk by chunk to
 * whichever sink drives it (an HTTP response stream or a WebSocket), watching the bytes as they pass (error-body
 * preview, SSE error events, byte counts) without holding any back. When the exchange settles (end, break or
 * cancel) it reports once, so the journal can decide what to record off the response path.
 */
import type { RelayConfig } from "../src/config";
import { describeError, RelayError } from "../src/errors";
import { credentialValues } from "../src/redact";
import { clientResponseHeaders } from "./headers";
import type { RequestBody } from "./request-body";
import { type ChunkReader, chunkReader } from "../src/chunk-reader";
import { isEventStream } from "../src/restream";
import { Preview } from "./preview";
import { SseScanner } from "./sse";

export type Transport = "http" | "websocket";
export type ProtocolName = "transparent" | 1 | 2;
export type FailureKind = "network" | "timeout" | "stream";

export interface ExchangeMeta {
  requestId: string;
  affinity: string | null;
  transport: Transport;
  protocol: ProtocolName;
}

export interface UpstreamRequest {
  url: URL;
  method: string;
  headers: Headers;
  body: RequestBody;
}

/** Everything the journal needs about one exchange, produced exactly once when it settles. */
export interface ExchangeReport {
  meta: ExchangeMeta;
  method: string;
  upstreamUrl: string;
  startedAt: number;
  durationMs: number;
  requestBodyBytes: number;
  status: number | null;
  statusText: string;
  headers: Headers | null;
  preview: Uint8Array;
  previewTruncated: boolean;
  failure: { kind: FailureKind; message: string } | null;
  sseErrors: readonly string[];
  clientCancelled: boolean;
  /** Credential values the request carried, so the journal can scrub them wherever they are echoed. */
  credentials: readonly string[];
}

export interface ExchangeOptions {
  config: RelayConfig;
  meta: ExchangeMeta;
  onSettled: (report: ExchangeReport) => void;
  /** Cancels the exchange from outside (a WebSocket `cancel`, a closed socket), before or after the headers. */
  signal?: AbortSignal;
}

/** Thrown from `open()` when `signal` cancelled the exchange before the upstream answered. */
export class ExchangeCancelled extends Error {
  constructor() {
    super("cancelled by the client");
    this.name = "ExchangeCancelled";
  }
}

/** Thrown from `read()` when the upstream body breaks off: the sink must make the break visible. */
export class UpstreamStreamBroken extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UpstreamStreamBroken";
  }
}

/** Statuses whose responses have no body, whatever the upstream sent. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

export class UpstreamExchange {
  readonly requestId: string;
  readonly status: number;
  readonly statusText: string;
  /** The upstream's headers as the client sees them (hop-by-hop removed), plus `x-relay-request-id`. */
  readonly clientHeaders: Headers;
  readonly isEventStream: boolean;
  /** The upstream's own headers (hop-by-hop removed), as the journal records them. */
  readonly #upstreamHeaders: Headers;
  readonly #sse: SseScanner | null;
  readonly #reader: ChunkReader | null;
  readonly #abort: AbortController;
  readonly #expectedBytes: number | null;
  readonly #preview: Preview;
  readonly #finish: (outcome: Partial<ExchangeReport>) => void;
  #received = 0;
  #settled = false;

  private constructor(init: {
    response: Response;
    method: string;
    abort: AbortController;
    previewBytes: number;
    requestId: string;
    finish: (outcome: Partial<ExchangeReport>) => void;
  }) {
    const { response } = init;
    this.requestId = init.requestId;
    this.status = response.status;
    this.statusText = response.statusText;
    this.#upstreamHeaders = clientResponseHeaders(response.headers);
    this.clientHeaders = new Headers(this.#upstreamHeaders);
    this.clientHeaders.set("x-relay-request-id", init.requestId);
    this.isEventStream = isEventStream(response.headers);
    this.#sse = this.isEventStream ? new SseScanner() : null;
    const hasBody = response.body !== null && !NULL_BODY_STATUSES.has(response.status) && init.method !== "HEAD";
    this.#reader = hasBody && response.body ? chunkReader(response.body) : null;
    if (!hasBody) void response.body?.cancel();
    this.#abort = init.abort;
    const length = Number(response.headers.get("content-length") ?? Number.NaN);
    this.#expectedBytes = Number.isSafeInteger(length) && length >= 0 && !response.headers.has("content-encoding") ? length : null;
    this.#preview = new Preview(init.previewBytes);
    this.#finish = init.finish;
    if (!hasBody) this.#settle({});
  }

  /**
   * Sends the request and waits for the upstream's headers. Throws a RelayError: 502 unreachable, 504 no headers
   * within UPSTREAM_TIMEOUT_MS, 413 when a streamed request body outgrows MAX_REQUEST_BYTES.
   */
  static async open(request: UpstreamRequest, options: ExchangeOptions): Promise<UpstreamExchange> {
    const { config, meta, onSettled, signal } = options;
    const startedAt = Date.now();
    const abort = new AbortController();
    const cancelBeforeHeaders = (): void => abort.abort(new ExchangeCancelled());
    signal?.addEventListener("abort", cancelBeforeHeaders, { once: true });
    const timeout = new RelayError(504, `upstream sent no response headers within ${config.upstreamTimeoutMs} ms`);
    const timer = setTimeout(() => abort.abort(timeout), config.upstreamTimeoutMs);
    const base = {
      meta,
      method: request.method,
      upstreamUrl: request.url.toString(),
      startedAt,
      credentials: credentialValues(request.headers),
    };
    const finish = (outcome: Partial<ExchangeReport>): void => {
      onSettled({
        ...base,
        durationMs: Date.now() - startedAt,
        requestBodyBytes: request.body.bytesSent(),
        status: null,
        statusText: "",
        headers: null,
        preview: new Uint8Array(0),
        previewTruncated: false,
        failure: null,
        sseErrors: [],
        clientCancelled: false,
        ...outcome,
      });
    };
    request.body.bind(abort);
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body.stream,
        signal: abort.signal,
        redirect: "manual",
      });
    } catch (error) {
      if (signal?.aborted) {
        finish({ clientCancelled: true });
        throw new ExchangeCancelled();
      }
      // The client's own upload was refused or broke: not the upstream's failure, nothing to journal.
      const bodyFailure = request.body.failure();
      if (bodyFailure !== null) throw bodyFailure;
      if (abort.signal.aborted && abort.signal.reason === timeout) {
        finish({ failure: { kind: "timeout", message: timeout.message } });
        throw timeout;
      }
      const message = `upstream unreachable: ${describeError(error)}`;
      finish({ failure: { kind: "network", message } });
      throw new RelayError(502, `upstream ${request.url.origin} is unreachable`, { cause: error });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", cancelBeforeHeaders);
    }
    const exchange = new UpstreamExchange({
      response,
      method: request.method,
      abort,
      previewBytes: config.errorBodyPreviewBytes,
      requestId: meta.requestId,
      finish,
    });
    if (signal?.aborted) exchange.cancel(signal.reason);
    else signal?.addEventListener("abort", () => exchange.cancel(signal.reason), { once: true });
    return exchange;
  }

  /** False for statuses and methods that never carry a body (the exchange has then already settled). */
  get hasBody(): boolean {
    return this.#reader !== null;
  }

  /**
   * The next body chunk, or `null` at a clean end. Throws UpstreamStreamBroken when the upstream breaks off,
   * including a body shorter than its own content-length (a reset the runtime may have reported as an end).
   */
  async read(): Promise<Uint8Array | null> {
    if (this.#settled || this.#reader === null) {
      this.#settle({});
      return null;
    }
    let chunk: Uint8Array | null;
    try {
      chunk = await this.#reader.read();
    } catch (error) {
      if (this.#settled) return null;
      throw this.#broken(`upstream stream broke after ${this.#received} bytes: ${describeError(error)}`, error);
    }
    if (chunk === null) {
      if (this.#expectedBytes !== null && this.#received < this.#expectedBytes) {
        throw this.#broken(`upstream body ended after ${this.#received} of ${this.#expectedBytes} bytes`);
      }
      this.#settle({});
      return null;
    }
    this.#received += chunk.byteLength;
    this.#preview.take(chunk);
    this.#sse?.scan(chunk);
    return chunk;
  }

  /** The client went away: stop the upstream request and report what was seen. Safe to call at any time. */
  cancel(reason?: unknown): void {
    if (this.#settled) return;
    this.#settle({ clientCancelled: true });
    this.#abort.abort(reason);
    this.#reader?.cancel(reason).catch(() => {});
  }

  #broken(message: string, cause?: unknown): UpstreamStreamBroken {
    this.#settle({ failure: { kind: "stream", message } });
    this.#abort.abort();
    return new UpstreamStreamBroken(message, { cause });
  }

  #settle(outcome: Partial<ExchangeReport>): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#finish({
      status: this.status,
      statusText: this.statusText,
      headers: this.#upstreamHeaders,
      preview: this.#preview.bytes(),
      previewTruncated: this.#preview.truncated,
      sseErrors: this.#sse?.errorEvents ?? [],
      ...outcome,
    });
  }
}
