/**
 * Each journaled error leaves exactly one structured JSON log line (`event: "upstream_error"`) for `wrangler tail`:
 * identifiers only (id, request id, kind, status, a prefix of the session key, transport), never headers or bodies.
 * Answers that are not journaled leave none.
 */
import { describe, expect, it } from "vitest";
import { captureLogs, delivered, journaled, recordByRequestId, statusHeaders, transparentRequest } from "./helpers/journal";
import { uniqueKey } from "./helpers/relay";

describe("the upstream_error log line", () => {
  it("is one line per journaled error with the record's identifiers and a prefix of the session key", async () => {
    const logs = captureLogs();
    try {
      const key = `${uniqueKey("logs-one")}-${"s".repeat(60)}`;
      const body = "a distinctive upstream error body 7d1e";
      const response = await transparentRequest(key, statusHeaders(502, { "x-stand-in-body-bytes": String(body.length), "x-stand-in-fill": encodeURIComponent(body) }));
      await response.text();
      const [record] = await delivered(key);
      if (!record) throw new Error("no record");
      const lines = logs.events("upstream_error");
      expect(lines).toHaveLength(1);
      const [line] = lines;
      expect(line).toMatchObject({ event: "upstream_error", id: record.id, requestId: record.requestId, kind: "upstream_status", status: 502, transport: "http" });
      const affinity = line?.affinity;
      expect(typeof affinity).toBe("string");
      expect(key.startsWith(String(affinity))).toBe(true);
      expect(String(affinity).length).toBeGreaterThan(0);
      expect(String(affinity).length).toBeLessThan(key.length);
      expect(logs.lines.join("\n")).not.toContain(body);
      expect(logs.lines.join("\n")).not.toContain(key);
    } finally {
      logs.restore();
    }
  });

  it("writes a line per error kind and none for ignored statuses or successes", async () => {
    const logs = captureLogs();
    try {
      const key = uniqueKey("logs-many");
      for (const headers of [statusHeaders(429), statusHeaders(200), statusHeaders(500), { "x-stand-in-scenario": "sse-error" }, statusHeaders(403), statusHeaders(503)]) {
        const response = await transparentRequest(key, headers, { body: JSON.stringify({ stream: true }) });
        await response.text();
      }
      const records = await journaled(key, 3);
      await delivered(key, 3);
      const lines = logs.events("upstream_error");
      expect(lines.map((line) => line.id).sort()).toEqual(records.map((record) => record.id).sort());
      expect(lines.map((line) => [line.kind, line.status])).toEqual([
        ["upstream_status", 500],
        ["stream_event", 200],
        ["upstream_status", 503],
      ]);
    } finally {
      logs.restore();
    }
  });

  it("logs affinity null for a request without a session", async () => {
    const logs = captureLogs();
    try {
      const response = await transparentRequest(null, statusHeaders(500));
      await response.text();
      const record = await recordByRequestId(response.headers.get("x-relay-request-id") ?? "");
      const line = logs.events("upstream_error").find((candidate) => candidate.id === record.id);
      expect(line).toMatchObject({ affinity: null, requestId: record.requestId });
    } finally {
      logs.restore();
    }
  });
});
