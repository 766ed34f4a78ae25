/**
 * Protocol 2 on one client WebSocket: frames in, requests queued and run one after another in arrival order
 * through the same execution core as HTTP, frames out (accepted, response_start, coalesced binary body, done,
 * error), keepalives while a request is in flight. Everything here is per socket and lives only while a request
 * is queued or running; what must outlive hibernation is in the socket's attachment and the session's storage.
 */
import type { RelayConfig } from "../src/config";
import { toRelayError } from "../src/errors";
import { type ClientFrame, type Envelope, FrameError, parseClientFrame } from "../src/protocol";
import { FrameCoalescer } from "./coalescer";
import { ExchangeCancelled, type UpstreamExchange, UpstreamStreamBroken } from "./exchange";

/** The contract's keepalive period while a request is in flight. */
export const KEEPALIVE_MS = 15_000;
/** Not an HTTP status: nginx's "client closed request", for requests the client cancelled. */
const CANCELLED_STATUS = 499;

export type ServerFrame =
  | { type: "ready"; state: { hash: string; revision: number } | null }
  | { type: "accepted"; id: string; hash: string; revision: number; requestId: string }
  | { type: "response_start"; id: string; status: number; statusText: string; headers: Record<string, string> }
  | { type: "done"; id: string }
  | { type: "error"; id?: string; status: number; message: string }
  | { type: "keepalive" }
  | { type: "pong" };

export function encodeFrame(frame: ServerFrame): string {
  return JSON.stringify({ protocol: 2, ...frame });
}

/** What a socket needs from its session object: the shared rebuild step and the shared execution core. */
export interface SocketSession {
  config: RelayConfig;
  affinity: string;
  /** Rebuilds and stores the body (409/400/413 as RelayError), and names the request. */
  prepare(envelope: Envelope): Promise<PreparedRequest>;
}

export interface PreparedRequest {
  hash: string;
  revision: number;
  requestId: string;
  /** Sends it upstream through the execution core; `signal` cancels it. */
  open(signal: AbortSignal): Promise<UpstreamExchange>;
}

interface QueuedRequest {
  id: string;
  envelope: Envelope;
  abort: AbortController;
}

export class SocketRunner {
  readonly #ws: WebSocket;
  readonly #session: SocketSession;
  readonly #queue: QueuedRequest[] = [];
  #current: QueuedRequest | null = null;
  #keepalive: ReturnType<typeof setInterval> | null = null;
  #closed = false;

  constructor(ws: WebSocket, session: SocketSession) {
    this.#ws = ws;
    this.#session = session;
  }

  receive(message: string | ArrayBuffer): void {
    if (this.#closed) return;
    if (typeof message !== "string") {
      this.#send({ type: "error", status: 400, message: "binary frames are not requests: send JSON text frames" });
      return;
    }
    const limit = this.#session.config.maxRequestBytes;
    // A string's length never exceeds its UTF-8 size, so this refuses nothing that fits.
    if (message.length > limit) {
      this.#send({ type: "error", status: 413, message: `frame exceeds MAX_REQUEST_BYTES (${limit})` });
      return;
    }
    let frame: ClientFrame;
    try {
      frame = parseClientFrame(message, this.#session.config, this.#session.affinity);
    } catch (error) {
      this.#rejectFrame(error);
      return;
    }
    if (frame.type === "ping") this.#send({ type: "pong" });
    else if (frame.type === "cancel") this.#cancel(frame.id);
    else if (this.#isInUse(frame.id)) this.#send({ type: "error", status: 400, message: `id ${frame.id} is already queued or running` });
    else this.#enqueue({ id: frame.id, envelope: frame.envelope, abort: new AbortController() });
  }

  /** The socket closed or failed: cancel what runs, drop what waits, release the timer. */
  close(): void {
    this.#closed = true;
    for (const request of this.#queue.splice(0)) request.abort.abort(new ExchangeCancelled());
    this.#current?.abort.abort(new ExchangeCancelled());
    this.#stopKeepalive();
  }

  #rejectFrame(error: unknown): void {
    const frameError = error instanceof FrameError ? error : new FrameError(toRelayError(error));
    this.#send({
      type: "error",
      ...(frameError.id === null ? {} : { id: frameError.id }),
      status: frameError.status,
      message: frameError.message,
    });
  }

  #isInUse(id: string): boolean {
    return this.#current?.id === id || this.#queue.some((request) => request.id === id);
  }

  #cancel(id: string): void {
    if (this.#current?.id === id) {
      this.#current.abort.abort(new ExchangeCancelled());
      return;
    }
    const index = this.#queue.findIndex((request) => request.id === id);
    if (index === -1) return; // Already finished: a cancel racing a done is not an error.
    this.#queue.splice(index, 1);
    this.#send({ type: "error", id, status: CANCELLED_STATUS, message: "cancelled by the client before it started" });
  }

  #enqueue(request: QueuedRequest): void {
    this.#queue.push(request);
    if (this.#current === null) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#startKeepalive();
    try {
      for (let next = this.#queue.shift(); next && !this.#closed; next = this.#queue.shift()) {
        this.#current = next;
        await this.#run(next);
        this.#current = null;
      }
    } finally {
      this.#current = null;
      this.#stopKeepalive();
    }
  }

  async #run(request: QueuedRequest): Promise<void> {
    const { id, abort } = request;
    const coalescer = new FrameCoalescer((bytes) => this.#sendBinary(bytes), {
      maxDelayMs: this.#session.config.wsCoalesceMs,
      maxBytes: this.#session.config.wsCoalesceBytes,
    });
    try {
      const prepared = await this.#session.prepare(request.envelope);
      const { hash, revision, requestId } = prepared;
      this.#send({ type: "accepted", id, hash, revision, requestId });
      if (abort.signal.aborted) throw new ExchangeCancelled();
      const exchange = await prepared.open(abort.signal);
      this.#send({
        type: "response_start",
        id,
        status: exchange.status,
        statusText: exchange.statusText,
        headers: Object.fromEntries(exchange.clientHeaders),
      });
      for (let chunk = await exchange.read(); chunk !== null; chunk = await exchange.read()) coalescer.push(chunk);
      if (abort.signal.aborted) throw new ExchangeCancelled();
      coalescer.flush();
      this.#send({ type: "done", id });
    } catch (error) {
      coalescer.flush();
      this.#send({ type: "error", id, ...describeFailure(error) });
    } finally {
      coalescer.discard();
    }
  }

  #startKeepalive(): void {
    this.#keepalive ??= setInterval(() => this.#send({ type: "keepalive" }), KEEPALIVE_MS);
  }

  #stopKeepalive(): void {
    if (this.#keepalive !== null) clearInterval(this.#keepalive);
    this.#keepalive = null;
  }

  #send(frame: ServerFrame): void {
    this.#transmit(encodeFrame(frame));
  }

  #sendBinary(bytes: Uint8Array): void {
    this.#transmit(bytes);
  }

  #transmit(data: string | Uint8Array): void {
    if (this.#closed) return;
    try {
      this.#ws.send(data);
    } catch {
      // The socket went away between frames: stop everything it was waiting for.
      this.close();
    }
  }
}

function describeFailure(error: unknown): { status: number; message: string } {
  if (error instanceof ExchangeCancelled) return { status: CANCELLED_STATUS, message: error.message };
  if (error instanceof UpstreamStreamBroken) {
    return { status: 502, message: "the upstream stream broke off before it was complete" };
  }
  const relayError = toRelayError(error);
  return { status: relayError.status, message: relayError.message };
}
