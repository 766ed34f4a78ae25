/**
 * An error record carries exactly the contract's fields, each with the value the exchange had: the ids the client
 * saw, the session (or null), the transport, the upstream request and response, sizes and timing.
 */
import { decodeTime } from "ulid";
import { describe, expect, it } from "vitest";
import type { ErrorRecord } from "../src/records";
import { fullSyncEnvelope, postEnvelope } from "./helpers/envelope";
import {
  ISO_8601,
  journaled,
  kvList,
  RECORD_FIELDS,
  recordByRequestId,
  statusHeaders,
  transparentRequest,
} from "./helpers/journal";
import { socketRequest } from "./helpers/journal-socket";
import { UPSTREAM, uniqueKey } from "./helpers/relay";
import { TestSocket } from "./helpers/socket";
import { fullSyncFrame, ULID } from "./helpers/ws-turns";

const encoder = new TextEncoder();
/** A request body whose UTF-8 size differs from its length in characters. */
const MULTIBYTE_BODY = JSON.stringify({ messages: [{ role: "user", content: "héllo wörld 世界 🚀" }] });

/** The client's response headers as the upstream sent them: without the relay's request id, cookies redacted. */
function upstreamHeadersOf(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of response.headers) {
    if (name === "x-relay-request-id") continue;
    headers[name] = name === "set-cookie" ? "[redacted]" : value;
  }
  return headers;
}

function expectIdAndTime(record: ErrorRecord, before: number, after: number): void {
  expect(record.id).toMatch(ULID);
  expect(record.at).toMatch(ISO_8601);
  const at = Date.parse(record.at);
  expect(at).toBeGreaterThanOrEqual(before);
  expect(at).toBeLessThanOrEqual(after);
  // The id is a ULID of the moment it was written: it sorts with `at`.
  expect(Math.abs(decodeTime(record.id) - at)).toBeLessThanOrEqual(1000);
}

describe("a transparent-mode record", () => {
  it("has exactly the contract's fields, each as the exchange had it", async () => {
    const key = uniqueKey("fields-http");
    const before = Date.now();
    const response = await transparentRequest(key, statusHeaders(500), { body: MULTIBYTE_BODY, path: "/v1/messages?beta=true" });
    const text = await response.text();
    expect(response.status).toBe(500);
    const [record] = await journaled(key);
    const after = Date.now();
    if (!record) throw new Error("no record");
    expect(Object.keys(record).sort()).toEqual(RECORD_FIELDS);
    expectIdAndTime(record, before, after);
    expect(record).toEqual({
      id: record.id,
      at: record.at,
      requestId: response.headers.get("x-relay-request-id"),
      affinity: key,
      transport: "http",
      protocol: "transparent",
      kind: "upstream_status",
      method: "POST",
      upstreamUrl: `${UPSTREAM}/v1/messages?beta=true`,
      status: 500,
      statusText: "Internal Server Error",
      headers: upstreamHeadersOf(response),
      body: text,
      bodyTruncated: false,
      requestBodyBytes: encoder.encode(MULTIBYTE_BODY).byteLength,
      durationMs: record.durationMs,
      message: null,
    });
    expect(record.headers["x-request-id"]).toBe("req_standin");
    expect(record.headers["content-type"]).toBe("application/json");
    expect(Number.isInteger(record.durationMs)).toBe(true);
    expect(record.durationMs).toBeGreaterThanOrEqual(0);
    expect(record.durationMs).toBeLessThanOrEqual(after - before);
  });

  it("records the method and a request without a body (GET: 0 bytes)", async () => {
    const key = uniqueKey("fields-get");
    const response = await transparentRequest(key, statusHeaders(404), { method: "GET", path: "/v1/models/none" });
    await response.text();
    const [record] = await journaled(key);
    expect(record).toMatchObject({
      method: "GET",
      upstreamUrl: `${UPSTREAM}/v1/models/none`,
      status: 404,
      statusText: "Not Found",
      requestBodyBytes: 0,
      requestId: response.headers.get("x-relay-request-id"),
    });
  });

  it("has affinity null for a request without x-session-affinity, and is still journaled (global KV key only)", async () => {
    const response = await transparentRequest(null, statusHeaders(502));
    await response.text();
    const requestId = response.headers.get("x-relay-request-id") ?? "";
    expect(requestId).toMatch(ULID);
    const record = await recordByRequestId(requestId);
    expect(Object.keys(record).sort()).toEqual(RECORD_FIELDS);
    expect(record).toMatchObject({ affinity: null, transport: "http", protocol: "transparent", status: 502, kind: "upstream_status" });
    const sessionKeys = (await kvList("sessions/")).filter((key) => key.metadata?.id === record.id);
    expect(sessionKeys).toEqual([]);
  });
});

describe("a protocol-1 record", () => {
  it("carries the response's request id, the envelope's upstream, and the rebuilt body's size", async () => {
    const key = uniqueKey("fields-p1");
    const url = `${UPSTREAM}/v1/messages?from=envelope`;
    const envelope = await fullSyncEnvelope({ affinity: key, body: MULTIBYTE_BODY, upstream: { url, headers: statusHeaders(503) } });
    const before = Date.now();
    const response = await postEnvelope(envelope);
    const text = await response.text();
    const [record] = await journaled(key);
    if (!record) throw new Error("no record");
    expectIdAndTime(record, before, Date.now());
    expect(record).toEqual({
      id: record.id,
      at: record.at,
      requestId: response.headers.get("x-relay-request-id"),
      affinity: key,
      transport: "http",
      protocol: 1,
      kind: "upstream_status",
      method: "POST",
      upstreamUrl: url,
      status: 503,
      statusText: "Service Unavailable",
      headers: upstreamHeadersOf(response),
      body: text,
      bodyTruncated: false,
      requestBodyBytes: encoder.encode(MULTIBYTE_BODY).byteLength,
      durationMs: record.durationMs,
      message: null,
    });
  });
});

describe("a protocol-2 record", () => {
  it("carries the accepted frame's request id and the upstream response as response_start showed it", async () => {
    const key = uniqueKey("fields-p2");
    const url = `${UPSTREAM}/v1/messages`;
    const socket = await TestSocket.open(key);
    try {
      expect((await socket.nextText()).type).toBe("ready");
      const before = Date.now();
      const frame = await fullSyncFrame({ id: "f1", affinity: key, body: MULTIBYTE_BODY, upstream: { url, headers: statusHeaders(400) } });
      const outcome = await socketRequest(socket, frame);
      expect(outcome.end).toEqual({ protocol: 2, type: "done", id: "f1" });
      const [record] = await journaled(key);
      if (!record) throw new Error("no record");
      expectIdAndTime(record, before, Date.now());
      const startHeaders = outcome.start?.headers;
      if (typeof startHeaders !== "object" || startHeaders === null) throw new Error("no response_start headers");
      const expectedHeaders: Record<string, string> = {};
      for (const [name, value] of Object.entries(startHeaders)) {
        if (name !== "x-relay-request-id") expectedHeaders[name] = name === "set-cookie" ? "[redacted]" : String(value);
      }
      expect(record).toEqual({
        id: record.id,
        at: record.at,
        requestId: outcome.accepted.requestId,
        affinity: key,
        transport: "websocket",
        protocol: 2,
        kind: "upstream_status",
        method: "POST",
        upstreamUrl: url,
        status: 400,
        statusText: "Bad Request",
        headers: expectedHeaders,
        body: new TextDecoder().decode(outcome.body),
        bodyTruncated: false,
        requestBodyBytes: encoder.encode(MULTIBYTE_BODY).byteLength,
        durationMs: record.durationMs,
        message: null,
      });
      expect(record.requestId).toMatch(ULID);
    } finally {
      socket.close();
    }
  });
});
