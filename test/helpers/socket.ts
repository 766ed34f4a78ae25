/** A protocol-2 client for tests inside workerd: opens a socket through the entry Worker and reads frames in order. */
import { relayFetch, relayToken } from "./relay";

export type Frame = { kind: "text"; value: Record<string, unknown> } | { kind: "binary"; value: Uint8Array };

export class TestSocket {
  readonly ws: WebSocket;
  readonly #frames: Frame[] = [];
  readonly #waiters: Array<() => void> = [];
  closed: { code: number; reason: string } | null = null;
  error: unknown = null;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    // workerd delivers binary frames as Blobs unless told otherwise.
    ws.binaryType = "arraybuffer";
    ws.addEventListener("message", (event) => {
      const data: unknown = event.data;
      if (typeof data === "string") this.#push({ kind: "text", value: JSON.parse(data) as Record<string, unknown> });
      else if (data instanceof ArrayBuffer) this.#push({ kind: "binary", value: new Uint8Array(data) });
    });
    ws.addEventListener("close", (event) => {
      this.closed = { code: event.code, reason: event.reason };
      this.#wake();
    });
    ws.addEventListener("error", (event) => {
      this.error = event;
      this.#wake();
    });
  }

  /** Opens `/ws?affinity=key` with the relay token (header unless `via: "query"`). */
  static async open(key: string, options: { via?: "header" | "query"; token?: string } = {}): Promise<TestSocket> {
    const token = options.token ?? relayToken();
    const query = options.via === "query" ? `&token=${encodeURIComponent(token)}` : "";
    const headers: Record<string, string> = { upgrade: "websocket" };
    if (options.via !== "query") headers["x-relay-token"] = token;
    const response = await relayFetch(`/ws?affinity=${encodeURIComponent(key)}${query}`, { headers });
    if (response.status !== 101 || !response.webSocket) {
      throw new Error(`upgrade failed: ${response.status} ${await response.text()}`);
    }
    response.webSocket.accept();
    return new TestSocket(response.webSocket);
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The next frame, in arrival order; fails after `timeoutMs` or when the socket closes first. */
  async next(timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (this.#frames.length === 0) {
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting for a frame`);
      if (Date.now() > deadline) throw new Error(`no frame within ${timeoutMs} ms`);
      await this.#nextEvent(deadline);
    }
    const frame = this.#frames.shift();
    if (!frame) throw new Error("unreachable: frame queue empty");
    return frame;
  }

  /** The next text frame (fails on a binary one). */
  async nextText(timeoutMs?: number): Promise<Record<string, unknown>> {
    const frame = await this.next(timeoutMs);
    if (frame.kind !== "text") throw new Error(`expected a text frame, got ${frame.value.byteLength} binary bytes`);
    return frame.value;
  }

  /**
   * Reads one request's answer after its `accepted`: response_start, the binary frames, and the closing frame
   * (`done` or `error`). Text frames of other kinds in between (keepalive) are collected apart.
   */
  async readAnswer(timeoutMs = 10_000): Promise<{ start: Record<string, unknown>; body: Uint8Array; frames: number; end: Record<string, unknown> }> {
    const start = await this.nextText(timeoutMs);
    const chunks: Uint8Array[] = [];
    for (;;) {
      const frame = await this.next(timeoutMs);
      if (frame.kind === "binary") {
        chunks.push(frame.value);
        continue;
      }
      if (frame.value.type === "keepalive") continue;
      const body = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
      let offset = 0;
      for (const chunk of chunks) {
        body.set(chunk, offset);
        offset += chunk.byteLength;
      }
      return { start, body, frames: chunks.length, end: frame.value };
    }
  }

  /** Sends a binary frame (which protocol 2 does not accept from clients). */
  sendBinary(bytes: Uint8Array): void {
    this.ws.send(bytes);
  }

  /** Waits for the close event; fails after `timeoutMs`. */
  async waitForClose(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (this.closed === null) {
      if (Date.now() > deadline) throw new Error(`socket not closed within ${timeoutMs} ms`);
      await this.#nextEvent(deadline);
    }
    return this.closed;
  }

  close(): void {
    this.ws.close(1000, "test done");
  }

  #push(frame: Frame): void {
    this.#frames.push(frame);
    this.#wake();
  }

  /** Resolves on the next frame, close or error, or at `deadline`, whichever comes first. */
  #nextEvent(deadline: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }
}
