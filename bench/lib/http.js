// @ts-check
/**
 * One timed HTTP exchange with Node's own `http` client on keep-alive connections (one agent per target, so
 * every target pays the same client costs). Times are from just before the request is sent.
 */
import { request as httpRequest, Agent } from "node:http";
import { performance } from "node:perf_hooks";

/**
 * @typedef {{ status: number, headersMs: number, ttfbMs: number, totalMs: number, bytes: number,
 *   body: Buffer | null, contentType: string }} Timed
 * `ttfbMs`: first body byte (or the end, for an empty body); `body` only when asked to keep it.
 */

/**
 * Idle connections are dropped after 3 s, before a server's own keep-alive timeout (the stand-in's is 5 s) can
 * race a reused connection into a reset.
 * @param {number} [maxSockets]
 */
export function keepAliveAgent(maxSockets = 64) {
  return new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, keepAliveMsecs: 1000, timeout: 3000 });
}

/**
 * @param {string} url
 * @param {{ method?: string, headers?: Record<string, string>, body?: string | Buffer, agent: Agent,
 *   keepBody?: boolean, timeoutMs?: number }} options
 * @returns {Promise<Timed>}
 */
export function timedRequest(url, { method = "POST", headers = {}, body, agent, keepBody = false, timeoutMs = 120_000 }) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === "string" ? Buffer.from(body, "utf8") : body;
    const start = performance.now();
    const req = httpRequest(
      url,
      {
        method,
        agent,
        headers: { ...headers, ...(payload ? { "content-length": String(payload.byteLength) } : {}) },
      },
      (res) => {
        const headersMs = performance.now() - start;
        let ttfbMs = -1;
        let bytes = 0;
        /** @type {Buffer[]} */
        const chunks = [];
        res.on("data", (/** @type {Buffer} */ chunk) => {
          if (ttfbMs < 0) ttfbMs = performance.now() - start;
          bytes += chunk.byteLength;
          if (keepBody) chunks.push(chunk);
        });
        res.on("end", () => {
          clearTimeout(timer);
          const totalMs = performance.now() - start;
          resolve({
            status: res.statusCode ?? 0, headersMs, ttfbMs: ttfbMs < 0 ? totalMs : ttfbMs, totalMs, bytes,
            body: keepBody ? Buffer.concat(chunks) : null, contentType: String(res.headers["content-type"] ?? ""),
          });
        });
        res.on("error", reject);
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no complete answer from ${url} within ${timeoutMs} ms`)), timeoutMs);
    req.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(payload);
  });
}

/** Throws unless the exchange answered `expected`: a benchmark of failures measures nothing. @param {Timed} timed @param {number} expected @param {string} what */
export function expectStatus(timed, expected, what) {
  if (timed.status !== expected) {
    const preview = timed.body ? `: ${timed.body.toString("utf8").slice(0, 300)}` : "";
    throw new Error(`${what}: expected HTTP ${expected}, got ${timed.status}${preview}`);
  }
}
