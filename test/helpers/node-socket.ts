/**
 * A protocol-2 client side for the node-side end-to-end tests: frames of a Node `ws` socket read in order, and
 * request frames built the way a client builds them. Typed structurally, without importing `ws`, so this file
 * keeps Node's types out of the workerd program that also compiles test/helpers/.
 */

export type NodeFrame = { kind: "text"; value: Record<string, unknown> } | { kind: "binary"; value: Uint8Array };

/** The part of a `ws` WebSocket this reader listens to. */
export interface NodeSocketEvents {
  on(event: "message", listener: (data: unknown, isBinary: boolean) => void): unknown;
  on(event: "close", listener: (code: number) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function toBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return new Uint8Array(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  if (Array.isArray(data) && data.every((part): part is Uint8Array => part instanceof Uint8Array)) return concat(data);
  throw new Error(`unexpected message data: ${typeof data}`);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** Collects a socket's frames from the moment it is created (create it before the `ready` frame can arrive). */
export class NodeFrameReader {
  readonly #frames: NodeFrame[] = [];
  readonly #waiters: Array<() => void> = [];
  closedWith: number | null = null;
  error: Error | null = null;

  constructor(ws: NodeSocketEvents) {
    ws.on("message", (data, isBinary) => {
      const bytes = toBytes(data);
      const value: unknown = isBinary ? bytes : JSON.parse(decoder.decode(bytes));
      if (value instanceof Uint8Array) this.#push({ kind: "binary", value });
      else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
        this.#push({ kind: "text", value: Object.fromEntries(Object.entries(value)) });
      } else throw new Error(`a text frame that is not a JSON object: ${decoder.decode(bytes)}`);
    });
    ws.on("close", (code) => {
      this.closedWith = code;
      this.#wake();
    });
    ws.on("error", (error) => {
      this.error = error;
      this.#wake();
    });
  }

  /** The next frame in arrival order; fails after `timeoutMs`, or when the socket closes or fails first. */
  async next(timeoutMs = 10_000): Promise<NodeFrame> {
    const deadline = Date.now() + timeoutMs;
    while (this.#frames.length === 0) {
      if (this.error) throw this.error;
      if (this.closedWith !== null) throw new Error(`socket closed (${this.closedWith}) while waiting for a frame`);
      if (Date.now() > deadline) throw new Error(`no frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const frame = this.#frames.shift();
    if (!frame) throw new Error("unreachable: no frame");
    return frame;
  }

  async nextText(timeoutMs?: number): Promise<Record<string, unknown>> {
    const frame = await this.next(timeoutMs);
    if (frame.kind !== "text") throw new Error(`expected a text frame, got ${frame.value.byteLength} binary bytes`);
    return frame.value;
  }

  /** After response_start: the body's binary frames, concatenated, and the text frame that ends the request. */
  async readBody(timeoutMs?: number): Promise<{ body: Uint8Array; end: Record<string, unknown> }> {
    const parts: Uint8Array[] = [];
    for (;;) {
      const frame = await this.next(timeoutMs);
      if (frame.kind === "text") {
        return { body: concat(parts), end: frame.value };
      }
      parts.push(frame.value);
    }
  }

  #push(frame: NodeFrame): void {
    this.#frames.push(frame);
    this.#wake();
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }
}

/** `sha256:` + hex of the text's UTF-8 bytes. */
export async function sha256Text(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
  return `sha256:${Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

/** A protocol-2 full_sync request frame, as text. */
export async function fullSyncText(options: {
  id: string;
  url: string;
  body: string;
  revision?: number;
  headers?: Record<string, string>;
}): Promise<string> {
  return JSON.stringify({
    protocol: 2,
    type: "request",
    id: options.id,
    upstream: { url: options.url, method: "POST", headers: { "content-type": "application/json", ...options.headers } },
    mode: "full_sync",
    revision: options.revision ?? 1,
    next_hash: await sha256Text(options.body),
    body: options.body,
  });
}
