import { concatBytes } from "../src/bytes";

/**
 * Gathers small upstream chunks into fewer WebSocket binary frames: a frame leaves once it holds `maxBytes`, or
 * `maxDelayMs` after its first byte arrived, whichever comes first. The concatenation of the frames is always
 * exactly the concatenation of the chunks.
 */
export class FrameCoalescer {
  readonly #send: (frame: Uint8Array) => void;
  readonly #maxDelayMs: number;
  readonly #maxBytes: number;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(send: (frame: Uint8Array) => void, options: { maxDelayMs: number; maxBytes: number }) {
    this.#send = send;
    this.#maxDelayMs = options.maxDelayMs;
    this.#maxBytes = options.maxBytes;
  }

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.byteLength;
    if (this.#pendingBytes >= this.#maxBytes || this.#maxDelayMs === 0) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.#maxDelayMs);
  }

  /** Sends whatever is pending now. */
  flush(): void {
    this.#clearTimer();
    if (this.#pendingBytes === 0) return;
    const frame = concatBytes(this.#pending);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#send(frame);
  }

  /** Drops what is pending (the request was cancelled) and releases the timer. */
  discard(): void {
    this.#clearTimer();
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

