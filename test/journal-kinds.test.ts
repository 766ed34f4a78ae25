/**
 * Every kind of upstream failure leaves one record of the right kind, over every transport: an error status
 * (upstream_status), an upstream that cannot be reached (network), no headers in time (timeout), a body that
 * breaks off (stream), and a 2xx event stream carrying `event: error` (stream_event).
 */
import { describe, expect, it } from "vitest";
import { messageEvents, OVERLOADED_EVENT } from "../tools/stand-in/messages.js";
import type { ErrorKind, ErrorRecord } from "../src/records";
import { fullSyncEnvelope, postEnvelope } from "./helpers/envelope";
import { journaled, statusHeaders, transparentRequest } from "./helpers/journal";
import { swapObjectEnv } from "./helpers/object-faults";
import { socketRequest } from "./helpers/journal-socket";
import { UNREACHABLE, UPSTREAM, uniqueKey } from "./helpers/relay";
import { TestSocket } from "./helpers/socket";
import { fullSyncFrame } from "./helpers/ws-turns";

const MID_EVENT = 'event: content_block_delta\ndata: {"type":"content_bl';
/** What the stand-in's `reset-mid-event` sends (3 events, then half of one) before it resets the connection. */
const ARRIVED_BEFORE_RESET = messageEvents({ deltas: 20 }).slice(0, 3).join("") + MID_EVENT;
/** The data line of the stand-in's overload event: what a stream_event record's message must be. */
const OVERLOADED_DATA = JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
const SSE_ERROR_BODY = [...messageEvents({ deltas: 2 }).slice(0, 5), OVERLOADED_EVENT].join("");

interface KindCase {
  kind: ErrorKind;
  /** Stand-in steering headers. */
  headers: Record<string, string>;
  /** Aim the request at the allowlisted origin where nothing listens. */
  unreachable?: boolean;
  expected: Partial<Record<keyof ErrorRecord, unknown>>;
}

const CASES: KindCase[] = [
  {
    kind: "upstream_status",
    headers: statusHeaders(500),
    expected: { status: 500, statusText: "Internal Server Error", message: null, bodyTruncated: false },
  },
  {
    kind: "network",
    headers: {},
    unreachable: true,
    expected: { status: null, statusText: "", headers: {}, body: null, message: expect.stringMatching(/\S/) },
  },
  {
    kind: "timeout",
    headers: { "x-stand-in-scenario": "hang" },
    expected: { status: null, statusText: "", headers: {}, body: null, message: expect.stringMatching(/1500 ms/) },
  },
  {
    kind: "stream",
    headers: { "x-stand-in-scenario": "reset-mid-event", "x-stand-in-events": "3" },
    expected: { status: 200, statusText: "OK", body: ARRIVED_BEFORE_RESET, message: expect.stringMatching(/\S/) },
  },
  {
    kind: "stream_event",
    headers: { "x-stand-in-scenario": "sse-error", "x-stand-in-deltas": "2" },
    expected: { status: 200, statusText: "OK", body: SSE_ERROR_BODY, message: OVERLOADED_DATA, bodyTruncated: false },
  },
];

/** The one record of session `key`, checked against the case. */
async function expectOneRecord(key: string, requestId: string, kindCase: KindCase, transport: object): Promise<ErrorRecord> {
  const records = await journaled(key, 1, 8000);
  expect(records).toHaveLength(1);
  const record = records[0];
  if (!record) throw new Error("unreachable");
  expect(record).toMatchObject({ kind: kindCase.kind, requestId, affinity: key, ...transport, ...kindCase.expected });
  if (kindCase.kind === "timeout") expect(record.durationMs).toBeGreaterThanOrEqual(1400);
  return record;
}

describe("transparent HTTP", () => {
  it.each(CASES)("journals $kind", async (kindCase) => {
    const key = uniqueKey(`kind-http-${kindCase.kind}`);
    const restore = kindCase.unreachable
      ? await swapObjectEnv(key, (original) => ({ ...original, UPSTREAM_URL: UNREACHABLE }))
      : async () => {};
    try {
      const response = await transparentRequest(key, kindCase.headers, { body: JSON.stringify({ stream: true }) });
      const text = await response.text();
      if (kindCase.kind === "network") expect(response.status).toBe(502);
      if (kindCase.kind === "timeout") expect(response.status).toBe(504);
      if (kindCase.kind === "stream_event") expect(text).toBe(SSE_ERROR_BODY);
      const requestId = response.headers.get("x-relay-request-id") ?? "";
      const record = await expectOneRecord(key, requestId, kindCase, { transport: "http", protocol: "transparent" });
      if (kindCase.unreachable) expect(record.upstreamUrl).toBe(`${UNREACHABLE}/v1/messages`);
      else expect(record.upstreamUrl).toBe(`${UPSTREAM}/v1/messages`);
    } finally {
      await restore();
    }
  });
});

describe("protocol 1", () => {
  it.each(CASES)("journals $kind", async (kindCase) => {
    const key = uniqueKey(`kind-p1-${kindCase.kind}`);
    const url = `${kindCase.unreachable ? UNREACHABLE : UPSTREAM}/v1/messages`;
    const envelope = await fullSyncEnvelope({ affinity: key, body: JSON.stringify({ stream: true }), upstream: { url, headers: kindCase.headers } });
    const response = await postEnvelope(envelope);
    await response.text();
    if (kindCase.kind === "network") expect(response.status).toBe(502);
    if (kindCase.kind === "timeout") expect(response.status).toBe(504);
    const requestId = response.headers.get("x-relay-request-id") ?? "";
    const record = await expectOneRecord(key, requestId, kindCase, { transport: "http", protocol: 1 });
    expect(record.upstreamUrl).toBe(url);
  });
});

describe("protocol 2 (WebSocket)", () => {
  it.each(CASES)("journals $kind", async (kindCase) => {
    const key = uniqueKey(`kind-p2-${kindCase.kind}`);
    const url = `${kindCase.unreachable ? UNREACHABLE : UPSTREAM}/v1/messages`;
    const socket = await TestSocket.open(key);
    try {
      expect((await socket.nextText()).type).toBe("ready");
      const frame = await fullSyncFrame({ id: "r1", affinity: key, body: JSON.stringify({ stream: true }), upstream: { url, headers: kindCase.headers } });
      const outcome = await socketRequest(socket, frame);
      if (kindCase.kind === "network") expect(outcome.end).toMatchObject({ type: "error", status: 502 });
      if (kindCase.kind === "timeout") expect(outcome.end).toMatchObject({ type: "error", status: 504 });
      if (kindCase.kind === "stream") expect(outcome.end).toMatchObject({ type: "error", status: 502 });
      const requestId = outcome.accepted.requestId;
      expect(typeof requestId).toBe("string");
      const record = await expectOneRecord(key, String(requestId), kindCase, { transport: "websocket", protocol: 2 });
      expect(record.upstreamUrl).toBe(url);
    } finally {
      socket.close();
    }
  });
});
