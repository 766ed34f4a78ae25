// @ts-check
/**
 * A local stand-in for the Anthropic Messages API, for tests, the demo and the benchmarks. It speaks real HTTP
 * and real SSE on 127.0.0.1 and misbehaves on demand, steered by request headers (which the relay forwards):
 *
 *   x-stand-in-scenario   messages (default) | status | reset | reset-mid-event | hang | hang-body | sse-error
 *                         | echo | bytes | redirect | short-length
 *   x-stand-in-id         remembers the request under this id: GET /__stand-in/requests/<id> tells what arrived
 *                         and whether the client went away before the response ended (`aborted`)
 *   x-stand-in-deltas     text deltas in a streamed answer (default 5)
 *   x-stand-in-delay-ms   pause before each event (default 0)
 *   x-stand-in-status     status for `status` (default 500)
 *   x-stand-in-body-bytes pad an error body to exactly this many bytes with x-stand-in-fill (URI-encoded text)
 *   x-stand-in-bytes      total bytes for `bytes`; x-stand-in-chunk-bytes per write (default 16384)
 *   x-stand-in-events     events sent before `reset` (default 3)
 *   x-stand-in-content-type  overrides the content type (e.g. `reset` of a JSON body)
 *
 * A POST to /v1/messages without a scenario answers like the API: SSE when the JSON body has `"stream": true`,
 * JSON otherwise. Run directly (`node tools/stand-in/server.js [--port N] [--max-lifetime-s S]`) it prints
 * `{"port":N}` on its first line and exits by itself after the lifetime (default 600 s).
 */
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { errorJson, messageEvents, messageJson, OVERLOADED_EVENT } from "./messages.js";

/**
 * @typedef {{ method: string, path: string, query: string, headers: Record<string, string | string[] | undefined>,
 *   bodyBytes: number, bodySha256: string, body: string | null, aborted: boolean, finished: boolean }} SeenRequest
 */

const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** Bodies up to this size are kept in the log (for tests that check what the upstream received). */
const KEPT_BODY_BYTES = 1024 * 1024;

/**
 * @param {{ port?: number, host?: string }} [options]
 * @returns {Promise<{ port: number, url: string, seen: Map<string, SeenRequest>, close: () => Promise<void> }>}
 */
export async function startStandIn({ port = 0, host = "127.0.0.1" } = {}) {
  /** @type {Map<string, SeenRequest>} */
  const seen = new Map();
  const server = createServer((req, res) => {
    handle(req, res, seen).catch(() => res.destroy());
  });
  // Long streams and hanging scenarios must not be cut by Node's own timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 5000;
  await new Promise((resolve) => server.listen(port, host, () => resolve(undefined)));
  const address = server.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  return {
    port: actualPort,
    url: `http://${host}:${actualPort}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve(undefined));
      }),
  };
}

/**
 * @param {import("node:http").IncomingMessage} req
 * @param {import("node:http").ServerResponse} res
 * @param {Map<string, SeenRequest>} seen
 */
async function handle(req, res, seen) {
  const url = new URL(req.url ?? "/", "http://stand-in");
  if (req.method === "GET" && url.pathname.startsWith("/__stand-in/requests/")) {
    const record = seen.get(decodeURIComponent(url.pathname.slice("/__stand-in/requests/".length)));
    res.writeHead(record ? 200 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify(record ?? { error: "unknown id" }));
    return;
  }
  const body = await readBody(req);
  const header = (/** @type {string} */ name) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const id = header("x-stand-in-id");
  /** @type {SeenRequest} */
  const record = {
    method: req.method ?? "", path: url.pathname, query: url.search, headers: req.headers,
    bodyBytes: body.length, bodySha256: createHash("sha256").update(body).digest("hex"),
    body: body.length <= KEPT_BODY_BYTES ? body.toString("utf8") : null, aborted: false, finished: false,
  };
  if (id) seen.set(id, record);
  res.on("close", () => {
    if (!res.writableFinished) record.aborted = true;
  });
  res.on("finish", () => {
    record.finished = true;
  });

  const number = (/** @type {string} */ name, /** @type {number} */ fallback) => {
    const value = Number(header(name));
    return Number.isFinite(value) ? value : fallback;
  };
  const delayMs = number("x-stand-in-delay-ms", 0);
  const deltas = number("x-stand-in-deltas", 5);
  const contentType = header("x-stand-in-content-type");
  let scenario = header("x-stand-in-scenario") ?? "messages";
  if (scenario === "messages" && !isStreamRequest(body)) scenario = "json";

  switch (scenario) {
    case "messages":
      return streamEvents(res, messageEvents({ deltas }), delayMs);
    case "json":
      return sendJson(res, 200, messageJson({ deltas }));
    case "status": {
      const status = number("x-stand-in-status", 500);
      const size = number("x-stand-in-body-bytes", -1);
      if (size < 0) return sendJson(res, status, errorJson(status), { "x-request-id": "req_standin", "set-cookie": "upstream-session=standin-cookie" });
      const fill = decodeURIComponent(header("x-stand-in-fill") ?? "x");
      res.writeHead(status, { "content-type": contentType ?? "text/plain; charset=utf-8" });
      res.end(filled(fill, size));
      return;
    }
    case "sse-error":
      return streamEvents(res, [...messageEvents({ deltas }).slice(0, 3 + deltas), OVERLOADED_EVENT], delayMs);
    case "reset":
    case "reset-mid-event": {
      res.writeHead(200, { "content-type": contentType ?? "text/event-stream", "cache-control": "no-cache" });
      const events = messageEvents({ deltas: 20 }).slice(0, number("x-stand-in-events", 3));
      for (const event of events) {
        res.write(event);
        await sleep(delayMs);
      }
      if (scenario === "reset-mid-event") res.write('event: content_block_delta\ndata: {"type":"content_bl');
      // Let the bytes leave before the reset, so the relay sees data and then a broken connection.
      await sleep(50);
      req.socket.destroy();
      return;
    }
    case "hang":
      await waitForClose(res, 120_000);
      res.destroy();
      return;
    case "hang-body":
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(messageEvents({ deltas: 0 })[0]);
      await waitForClose(res, 120_000);
      res.destroy();
      return;
    case "echo":
      return sendJson(res, 200, {
        method: record.method, path: record.path, query: record.query, headers: record.headers,
        bodyBytes: record.bodyBytes, bodySha256: record.bodySha256,
      });
    case "bytes":
      return streamBytes(res, number("x-stand-in-bytes", 1024 * 1024), number("x-stand-in-chunk-bytes", 16384), contentType, delayMs);
    case "redirect":
      res.writeHead(307, { location: "http://127.0.0.1:1/elsewhere", "content-type": "text/plain" });
      res.end("redirected");
      return;
    case "short-length":
      // Declares more bytes than it sends, then closes the connection: a fixed-length body cut short.
      res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      res.write('{"partial":');
      await sleep(50);
      req.socket.destroy();
      return;
    default:
      return sendJson(res, 400, errorJson(400, `unknown stand-in scenario ${scenario}`));
  }
}

/** @param {Buffer} body */
function isStreamRequest(body) {
  try {
    return JSON.parse(body.toString("utf8")).stream === true;
  } catch {
    return false;
  }
}

/** @param {import("node:http").IncomingMessage} req @returns {Promise<Buffer>} */
function readBody(req) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** @param {import("node:http").ServerResponse} res @param {number} status @param {unknown} value @param {Record<string, string>} [headers] */
function sendJson(res, status, value, headers = {}) {
  const text = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** @param {import("node:http").ServerResponse} res @param {string[]} events @param {number} delayMs */
async function streamEvents(res, events, delayMs) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "request-id": "req_standin" });
  for (const event of events) {
    if (delayMs > 0) await sleep(delayMs);
    if (res.destroyed) return;
    res.write(event);
  }
  res.end();
}

/**
 * @param {import("node:http").ServerResponse} res @param {number} total @param {number} chunkBytes
 * @param {string | undefined} contentType @param {number} delayMs
 */
async function streamBytes(res, total, chunkBytes, contentType, delayMs) {
  res.writeHead(200, { "content-type": contentType ?? "application/octet-stream" });
  const chunk = Buffer.alloc(chunkBytes);
  for (let index = 0; index < chunkBytes; index += 1) chunk[index] = 97 + (index % 26);
  for (let sent = 0; sent < total && !res.destroyed; sent += chunkBytes) {
    const piece = total - sent >= chunkBytes ? chunk : chunk.subarray(0, total - sent);
    if (!res.write(piece)) await new Promise((resolve) => res.once("drain", resolve));
    if (delayMs > 0) await sleep(delayMs);
  }
  res.end();
}

/** Exactly `size` bytes of `fill` repeated, never cutting a character (pads the end with ASCII when needed). */
function filled(/** @type {string} */ fill, /** @type {number} */ size) {
  const unit = Buffer.from(fill, "utf8");
  const out = Buffer.alloc(size, 0x2e);
  for (let offset = 0; offset + unit.length <= size; offset += unit.length) unit.copy(out, offset);
  return out;
}

/** @param {import("node:http").ServerResponse} res @param {number} maxMs */
function waitForClose(res, maxMs) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, maxMs);
    res.on("close", () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { parseArgs } = await import("node:util");
  const { values } = parseArgs({
    options: { port: { type: "string", default: "0" }, "max-lifetime-s": { type: "string", default: "600" } },
  });
  const standIn = await startStandIn({ port: Number(values.port) });
  process.stdout.write(`${JSON.stringify({ port: standIn.port })}\n`);
  const lifetime = setTimeout(() => process.exit(0), Number(values["max-lifetime-s"]) * 1000);
  lifetime.unref();
  const stop = () => standIn.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  setTimeout(() => {}, Number(values["max-lifetime-s"]) * 1000);
}
