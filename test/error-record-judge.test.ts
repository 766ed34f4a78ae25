/**
 * judgeExchange, the pure decision: which settled exchanges become records (and of which kind), which are only
 * counted, which leave nothing; and how a record is built from the report (preview decoding, redaction).
 */
import { describe, expect, it } from "vitest";
import { judgeExchange, type Verdict } from "../durable/error-record";
import type { ExchangeReport } from "../durable/exchange";
import type { ErrorRecord } from "../src/records";
import { Redactor } from "../src/redact";
import { RECORD_FIELDS } from "./helpers/journal";

const encoder = new TextEncoder();
const ID = "01HZY5T1N8K3QW2V6X7YB4C9DE";
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

function report(overrides: Partial<ExchangeReport> = {}): ExchangeReport {
  return {
    meta: { requestId: "01HZY5T1N0REQUEST0000000000", affinity: "session-a", transport: "http", protocol: "transparent" },
    method: "POST",
    upstreamUrl: "https://api.anthropic.com/v1/messages",
    startedAt: NOW - 40,
    durationMs: 40,
    requestBodyBytes: 321,
    status: 200,
    statusText: "OK",
    headers: new Headers({ "content-type": "application/json" }),
    preview: new Uint8Array(0),
    previewTruncated: false,
    failure: null,
    sseErrors: [],
    clientCancelled: false,
    credentials: [],
    ...overrides,
  };
}

function judge(input: ExchangeReport, options: { ignore?: number[]; secrets?: string[] } = {}): Verdict {
  return judgeExchange(input, {
    id: ID,
    now: NOW,
    ignoreStatuses: new Set(options.ignore ?? [403, 429]),
    redactor: new Redactor(options.secrets ?? []),
  });
}

function recordOf(verdict: Verdict): ErrorRecord {
  if (verdict.action !== "record") throw new Error(`expected a record, got ${verdict.action}`);
  return verdict.record;
}

describe("what becomes a record", () => {
  it.each([400, 401, 404, 413, 500, 502, 503, 529])("an upstream %i: upstream_status, message null", (status) => {
    const record = recordOf(judge(report({ status, statusText: "x", preview: encoder.encode("{}") })));
    expect(record).toMatchObject({ kind: "upstream_status", status, message: null, body: "{}" });
  });

  it.each([403, 429])("an ignored %i: only counted", (status) => {
    expect(judge(report({ status }))).toEqual({ action: "count_ignored", status });
  });

  it("follows the configured ignore list: an empty one journals 429, another ignores 500", () => {
    expect(judge(report({ status: 429 }), { ignore: [] }).action).toBe("record");
    expect(judge(report({ status: 500 }), { ignore: [500] })).toEqual({ action: "count_ignored", status: 500 });
  });

  it.each([200, 201, 204, 301, 304, 307, 399])("a %i without error events: nothing", (status) => {
    expect(judge(report({ status }))).toEqual({ action: "none" });
  });

  it("a client cancel, before or after the headers: nothing", () => {
    expect(judge(report({ status: null, headers: null, clientCancelled: true }))).toEqual({ action: "none" });
    expect(judge(report({ status: 200, clientCancelled: true }))).toEqual({ action: "none" });
  });

  it("no response (network): status null, no headers or body, the failure's message", () => {
    const record = recordOf(judge(report({ status: null, statusText: "", headers: null, failure: { kind: "network", message: "upstream unreachable: refused" } })));
    expect(record).toMatchObject({ kind: "network", status: null, statusText: "", headers: {}, body: null, message: "upstream unreachable: refused" });
  });

  it("no headers in time (timeout)", () => {
    const record = recordOf(judge(report({ status: null, headers: null, failure: { kind: "timeout", message: "no headers within 1500 ms" } })));
    expect(record).toMatchObject({ kind: "timeout", status: null, message: "no headers within 1500 ms" });
  });

  it("a body that broke off (stream), whatever the status, and even with error events seen before", () => {
    const broken = { kind: "stream" as const, message: "upstream stream broke after 10 bytes" };
    expect(recordOf(judge(report({ status: 200, failure: broken, sseErrors: ["{}"] })))).toMatchObject({ kind: "stream", status: 200, message: broken.message });
    expect(recordOf(judge(report({ status: 500, failure: broken })))).toMatchObject({ kind: "stream", status: 500 });
  });

  it("a 2xx stream carrying error events (stream_event): the first event's data is the message", () => {
    const record = recordOf(judge(report({ status: 200, sseErrors: ['{"type":"error","error":{"type":"overloaded_error"}}', "second"] })));
    expect(record).toMatchObject({ kind: "stream_event", status: 200, message: '{"type":"error","error":{"type":"overloaded_error"}}' });
  });

  it("an error status whose stream also carried error events stays upstream_status", () => {
    expect(recordOf(judge(report({ status: 500, sseErrors: ["x"] }))).kind).toBe("upstream_status");
  });
});

describe("the record built", () => {
  it("has exactly the contract's fields, from the report and the options", () => {
    const headers = new Headers({ "content-type": "application/json", "x-request-id": "req_1" });
    const record = recordOf(
      judge(report({ status: 529, statusText: "Overloaded", headers, preview: encoder.encode('{"e":1}'), previewTruncated: true, durationMs: 77 })),
    );
    expect(Object.keys(record).sort()).toEqual(RECORD_FIELDS);
    expect(record).toEqual({
      id: ID,
      at: "2026-01-02T03:04:05.678Z",
      requestId: "01HZY5T1N0REQUEST0000000000",
      affinity: "session-a",
      transport: "http",
      protocol: "transparent",
      kind: "upstream_status",
      method: "POST",
      upstreamUrl: "https://api.anthropic.com/v1/messages",
      status: 529,
      statusText: "Overloaded",
      headers: { "content-type": "application/json", "x-request-id": "req_1" },
      body: '{"e":1}',
      bodyTruncated: true,
      requestBodyBytes: 321,
      durationMs: 77,
      message: null,
    });
  });

  it("keeps the transport, protocol and a null affinity as reported", () => {
    const meta = { requestId: "r", affinity: null, transport: "websocket" as const, protocol: 2 as const };
    expect(recordOf(judge(report({ meta, status: 500 })))).toMatchObject({ affinity: null, transport: "websocket", protocol: 2, requestId: "r" });
    const envelope = { requestId: "r", affinity: "k", transport: "http" as const, protocol: 1 as const };
    expect(recordOf(judge(report({ meta: envelope, status: 500 }))).protocol).toBe(1);
  });

  it("drops a multi-byte character cut at the preview's end instead of mangling it", () => {
    const euro = encoder.encode("€€");
    const record = recordOf(judge(report({ status: 500, preview: euro.subarray(0, 5), previewTruncated: true })));
    expect(record.body).toBe("€");
    const emoji = encoder.encode("a🚀");
    expect(recordOf(judge(report({ status: 500, preview: emoji.subarray(0, 3) }))).body).toBe("a");
  });

  it("keeps a leading byte-order mark and invalid bytes visible rather than failing", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x41, 0xff, 0x42]);
    expect(recordOf(judge(report({ status: 500, preview: bytes }))).body).toBe("\uFEFFA\uFFFDB");
  });

  it("redacts credential headers and every known secret in the URL, status text, headers, body and message", () => {
    const secret = "sk-ant-canary-0042";
    const headers = new Headers({ "set-cookie": "s=1", authorization: "x", "x-echo": `got ${secret}` });
    const record = recordOf(
      judge(
        report({
          status: 500,
          statusText: `bad ${secret}`,
          upstreamUrl: `https://api.anthropic.com/v1/messages?key=${secret}`,
          headers,
          preview: encoder.encode(`{"key":"${secret}"}`),
          failure: { kind: "stream", message: `broke near ${secret}` },
        }),
        { secrets: [secret] },
      ),
    );
    expect(JSON.stringify(record)).not.toContain(secret);
    expect(record).toMatchObject({
      statusText: "bad [redacted]",
      upstreamUrl: "https://api.anthropic.com/v1/messages?key=[redacted]",
      headers: { "set-cookie": "[redacted]", authorization: "[redacted]", "x-echo": "got [redacted]" },
      body: '{"key":"[redacted]"}',
      message: "broke near [redacted]",
    });
  });
});
