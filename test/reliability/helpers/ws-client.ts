/**
 * A protocol-2 client on Node's `ws`, as the old plugin's WebSocket transport connects: frames are read in
 * arrival order, and every wait is bounded and ends early on close or error (never a hang).
 */
import WebSocket from "ws";
import { ctx } from "./context.js";

export type WsFrame = { kind: "text"; text: string; json: Record<string, unknown> } | { kind: "binary"; bytes: Buffer };

export interface WsTurn {
  accepted: Record<string, unknown>;
  start: Record<string, unknown>;
  body: Buffer;
  end: Record<string, unknown>;
}

function socketUrl(query: string): string {
  return `${ctx.relayUrl.replace(/^http/, "ws")}/ws?${query}`;
}

function parseObject(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`not a JSON object frame: ${text}`);
  // SAFETY: a non-null, non-array object parsed from JSON.
  return value as Record<string, unknown>;
}

export class WsClient {
  readonly ws: WebSocket;
  readonly #frames: WsFrame[] = [];
  #wake: (() => void) | null = null;
  closed: { code: number; reason: string } | null = null;
  error: Error | null = null;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on("message", (data: WebSocket.RawData, isBinary: boolean) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
      if (isBinary) this.#frames.push({ kind: "binary", bytes });
      else this.#frames.push({ kind: "text", text: bytes.toString("utf8"), json: parseObject(bytes.toString("utf8")) });
      this.#notify();
    });
    ws.on("close", (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString("utf8") };
      this.#notify();
    });
    ws.on("error", (error: Error) => {
      this.error = error;
      this.#notify();
    });
  }

  /** Opens `/ws?affinity=key` with the relay token (header, or the old clients' `token` query parameter). */
  static open(key: string, options: { via?: "header" | "query" } = {}): Promise<WsClient> {
    const query = `affinity=${encodeURIComponent(key)}${options.via === "query" ? `&token=${encodeURIComponent(ctx.relayToken)}` : ""}`;
    const headers: Record<string, string> = options.via === "query" ? {} : { "x-relay-token": ctx.relayToken };
    return WsClient.connect(query, headers);
  }

  /** Opens a socket with exactly this query and these headers; rejects with the status and body of a refusal. */
  static connect(query: string, headers: Record<string, string>): Promise<WsClient> {
    const ws = new WebSocket(socketUrl(query), { headers });
    const client = new WsClient(ws);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no upgrade within 10 s")), 10_000);
      ws.once("open", () => {
        clearTimeout(timer);
        resolve(client);
      });
      ws.once("unexpected-response", (_request, response) => {
        let body = "";
        response.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
        response.on("end", () => {
          clearTimeout(timer);
          reject(new UpgradeRefused(response.statusCode ?? 0, body, String(response.headers["content-type"] ?? "")));
        });
      });
      ws.once("error", (error: Error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** Opens a socket on `key` and reads its `ready` frame. */
  static async openReady(key: string, options: { via?: "header" | "query" } = {}): Promise<{ client: WsClient; ready: Record<string, unknown> }> {
    const client = await WsClient.open(key, options);
    const ready = await client.nextJson();
    if (ready.type !== "ready") throw new Error(`the first frame is not ready: ${JSON.stringify(ready)}`);
    return { client, ready };
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Sends bytes as they are, in a text frame unless `binary` (a text frame of invalid UTF-8 included). */
  sendRaw(bytes: Buffer, binary: boolean): void {
    this.ws.send(bytes, { binary });
  }

  /** The next frame; fails after `timeoutMs`, or when the socket closes or fails first. */
  async next(timeoutMs = 15_000): Promise<WsFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.#frames.shift();
      if (frame) return frame;
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting for a frame`);
      if (this.error) throw new Error(`socket failed while waiting for a frame: ${this.error.message}`);
      if (Date.now() > deadline) throw new Error(`no frame within ${timeoutMs} ms`);
      await this.#waitEvent(deadline);
    }
  }

  /** The next text frame, parsed; keepalives are skipped unless `keepalive`. */
  async nextJson(timeoutMs?: number, options: { keepalive?: boolean } = {}): Promise<Record<string, unknown>> {
    for (;;) {
      const frame = await this.next(timeoutMs);
      if (frame.kind === "binary") throw new Error(`expected a text frame, got ${frame.bytes.byteLength} binary bytes`);
      if (frame.json.type === "keepalive" && !options.keepalive) continue;
      return frame.json;
    }
  }

  /** Reads a request's frames after it was sent: accepted (or an early error), response_start, body, done or error. */
  async readTurn(id: string, timeoutMs?: number): Promise<WsTurn> {
    const seen: string[] = [];
    try {
      return await this.#readTurn(id, seen, timeoutMs);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${id}: ${message}, after ${seen.join(" ") || "no frame"}`);
    }
  }

  async #readTurn(id: string, seen: string[], timeoutMs?: number): Promise<WsTurn> {
    const accepted = await this.nextJson(timeoutMs);
    seen.push(String(accepted.type));
    if (accepted.type === "error") return { accepted, start: {}, body: Buffer.alloc(0), end: accepted };
    if (accepted.type !== "accepted" || accepted.id !== id) throw new Error(`expected accepted ${id}: ${JSON.stringify(accepted)}`);
    const start = await this.nextJson(timeoutMs);
    seen.push(String(start.type));
    if (start.type === "error") return { accepted, start: {}, body: Buffer.alloc(0), end: start };
    if (start.type !== "response_start" || start.id !== id) throw new Error(`expected response_start ${id}: ${JSON.stringify(start)}`);
    return { accepted, start, ...(await this.#readBody(seen, timeoutMs)) };
  }

  /** The rest of an answer already started: binary frames up to the closing text frame (`done` or `error`). */
  readTurnRest(id: string, timeoutMs?: number): Promise<{ body: Buffer; end: Record<string, unknown> }> {
    const seen: string[] = [];
    return this.#readBody(seen, timeoutMs).catch((error: unknown) => {
      throw new Error(`${id}: ${error instanceof Error ? error.message : String(error)}, after ${seen.join(" ")}`);
    });
  }

  async #readBody(seen: string[], timeoutMs?: number): Promise<{ body: Buffer; end: Record<string, unknown> }> {
    const chunks: Buffer[] = [];
    for (;;) {
      const frame = await this.next(timeoutMs);
      seen.push(frame.kind === "binary" ? `${frame.bytes.byteLength}B` : String(frame.json.type));
      if (frame.kind === "binary") chunks.push(frame.bytes);
      else if (frame.json.type !== "keepalive") return { body: Buffer.concat(chunks), end: frame.json };
    }
  }

  /** Sends `frame` (which carries `id`) and reads its answer. */
  async turn(frame: Record<string, unknown>, timeoutMs?: number): Promise<WsTurn> {
    const id = frame.id;
    if (typeof id !== "string") throw new Error("a request frame needs a string id");
    this.send(frame);
    return this.readTurn(id, timeoutMs);
  }

  /** A ping answered by a pong, with nothing else in between. */
  async ping(): Promise<void> {
    this.send({ protocol: 2, type: "ping" });
    const pong = await this.nextJson();
    if (JSON.stringify(pong) !== JSON.stringify({ protocol: 2, type: "pong" })) throw new Error(`expected pong: ${JSON.stringify(pong)}`);
  }

  /** Frames already received and not yet read. */
  pending(): readonly WsFrame[] {
    return this.#frames;
  }

  /** Waits for the close event (or an error); fails after `timeoutMs`. */
  async waitClosed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (this.closed === null) {
      if (Date.now() > deadline) throw new Error(`socket not closed within ${timeoutMs} ms`);
      await this.#waitEvent(deadline);
    }
    return this.closed;
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000, "done");
  }

  /** Drops the TCP connection without a close frame: a client that vanished. */
  terminate(): void {
    this.ws.terminate();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #waitEvent(deadline: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** An upgrade the relay refused, with its HTTP status and body. */
export class UpgradeRefused extends Error {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;

  constructor(status: number, body: string, contentType: string) {
    super(`upgrade refused: ${status} ${body}`);
    this.name = "UpgradeRefused";
    this.status = status;
    this.body = body;
    this.contentType = contentType;
  }
}
