// @ts-check
/**
 * A protocol-2 client for the benchmarks: one open socket, requests sent one at a time, and for each the time
 * from sending the frame to the first binary (body) frame and to `done`.
 */
import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";

/** `sha256:` + hex of the text's UTF-8 bytes, as the protocols hash bodies. @param {string} text */
export function sha256(text) {
  return `sha256:${createHash("sha256").update(text, "utf8").digest("hex")}`;
}

/** @typedef {{ firstByteMs: number, doneMs: number, bytes: number, status: number }} WsTiming */

export class Protocol2Client {
  /** @type {WebSocket} */
  #ws;
  /** @type {((data: Buffer, isBinary: boolean) => void) | null} */
  #onFrame = null;
  #sent = 0;

  /** @param {WebSocket} ws */
  constructor(ws) {
    this.#ws = ws;
    ws.on("message", (data, isBinary) => this.#onFrame?.(Buffer.isBuffer(data) ? data : Buffer.from(/** @type {ArrayBuffer} */ (data)), isBinary));
  }

  /**
   * Opens `/ws?affinity=` and waits for the `ready` frame.
   * @param {string} baseUrl @param {string} affinity @param {Record<string, string>} headers
   */
  static async open(baseUrl, affinity, headers) {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, "ws")}/ws?affinity=${encodeURIComponent(affinity)}`, { headers, perMessageDeflate: false });
    const client = new Protocol2Client(ws);
    const ready = client.#nextText(10_000);
    const opened = new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    // Both settle or fail together: neither rejection is left unhandled.
    const [, frame] = await Promise.all([opened, ready]).catch((error) => {
      ws.terminate();
      throw new Error(`protocol-2 socket to ${baseUrl} did not open and say ready: ${error instanceof Error ? error.message : error}`);
    });
    if (frame.type !== "ready") throw new Error(`expected a ready frame, got ${JSON.stringify(frame)}`);
    return client;
  }

  /** @param {number} timeoutMs @returns {Promise<Record<string, unknown>>} */
  #nextText(timeoutMs) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no frame within the timeout")), timeoutMs);
      this.#onFrame = (data, isBinary) => {
        if (isBinary) return;
        clearTimeout(timer);
        this.#onFrame = null;
        resolve(JSON.parse(data.toString("utf8")));
      };
    });
  }

  /**
   * Sends one request frame (`fields` holds the envelope: upstream, mode, revision, hashes, body or patch) and
   * reads its frames up to `done`. Throws on an `error` frame.
   * @param {Record<string, unknown>} fields @param {number} [timeoutMs] @returns {Promise<WsTiming>}
   */
  request(fields, timeoutMs = 60_000) {
    this.#sent += 1;
    const id = `bench-${this.#sent}`;
    return new Promise((resolve, reject) => {
      let firstByteMs = -1;
      let bytes = 0;
      let status = 0;
      const timer = setTimeout(() => {
        this.#onFrame = null;
        reject(new Error(`request ${id}: no done within ${timeoutMs} ms`));
      }, timeoutMs);
      const start = performance.now();
      this.#onFrame = (data, isBinary) => {
        if (isBinary) {
          if (firstByteMs < 0) firstByteMs = performance.now() - start;
          bytes += data.byteLength;
          return;
        }
        const frame = JSON.parse(data.toString("utf8"));
        if (frame.type === "keepalive" || frame.type === "accepted") return;
        if (frame.type === "response_start") {
          status = Number(frame.status);
          return;
        }
        clearTimeout(timer);
        this.#onFrame = null;
        if (frame.type === "done" && frame.id === id) {
          const doneMs = performance.now() - start;
          resolve({ firstByteMs: firstByteMs < 0 ? doneMs : firstByteMs, doneMs, bytes, status });
        } else {
          reject(new Error(`request ${id}: ${JSON.stringify(frame)}`));
        }
      };
      this.#ws.send(JSON.stringify({ protocol: 2, type: "request", id, ...fields }));
    });
  }

  close() {
    this.#ws.close(1000);
  }
}
