/** A record's summary, and its KV metadata form: the same fields, shortened (marked, and flagged `cut`) to fit 1024 bytes. */
import { ulid } from "ulid";
import { describe, expect, it } from "vitest";
import { CUT_MARK, type ErrorRecord, toMetadata, toSummary } from "../src/records";
import { SUMMARY_FIELDS } from "./helpers/journal";

const encoder = new TextEncoder();
const bytesOf = (value: unknown): number => encoder.encode(JSON.stringify(value)).byteLength;

function record(overrides: Partial<ErrorRecord> = {}): ErrorRecord {
  return {
    id: ulid(),
    at: new Date().toISOString(),
    requestId: ulid(),
    affinity: "session-1",
    transport: "http",
    protocol: "transparent",
    kind: "upstream_status",
    method: "POST",
    upstreamUrl: "https://api.anthropic.com/v1/messages",
    status: 500,
    statusText: "Internal Server Error",
    headers: { "content-type": "application/json" },
    body: "x".repeat(50_000),
    bodyTruncated: false,
    requestBodyBytes: 1234,
    durationMs: 56,
    message: null,
    ...overrides,
  };
}

describe("toSummary", () => {
  it("keeps exactly the summary fields, unchanged", () => {
    const full = record();
    const summary = toSummary(full);
    expect(Object.keys(summary).sort()).toEqual(SUMMARY_FIELDS);
    for (const field of SUMMARY_FIELDS) expect(Reflect.get(summary, field)).toBe(Reflect.get(full, field));
  });
});

describe("toMetadata", () => {
  it("is the summary itself when it fits", () => {
    const full = record({ affinity: "k".repeat(256) });
    expect(toMetadata(full)).toEqual(toSummary(full));
    expect(bytesOf(toMetadata(full))).toBeLessThanOrEqual(1024);
  });

  it("keeps affinity null as null", () => {
    const full = record({ affinity: null, upstreamUrl: `https://x.test/${"p".repeat(5000)}` });
    expect(toMetadata(full).affinity).toBeNull();
    expect(bytesOf(toMetadata(full))).toBeLessThanOrEqual(1024);
  });

  it.each([
    ["a long URL", { upstreamUrl: `https://api.anthropic.com/v1/messages?${"q".repeat(8000)}` }],
    ["a long URL and a 256-character key", { upstreamUrl: `https://x.test/${"%41".repeat(3000)}`, affinity: "a".repeat(256) }],
    ["a URL just over the first cut", { upstreamUrl: `https://x.test/${"u".repeat(1000)}`, affinity: "b".repeat(256) }],
  ])("fits 1024 bytes with %s, cutting values with the mark and keeping the rest", (_label, overrides) => {
    const full = record(overrides);
    const metadata = toMetadata(full);
    expect(bytesOf(metadata)).toBeLessThanOrEqual(1024);
    expect(Object.keys(metadata).sort()).toEqual([...SUMMARY_FIELDS, "cut"].sort());
    expect(metadata.cut).toBe(true);
    expect(metadata.upstreamUrl.endsWith(CUT_MARK)).toBe(true);
    expect(full.upstreamUrl.startsWith(metadata.upstreamUrl.slice(0, -CUT_MARK.length))).toBe(true);
    if (metadata.affinity !== full.affinity) {
      expect(metadata.affinity?.endsWith(CUT_MARK)).toBe(true);
      expect(full.affinity?.startsWith(metadata.affinity?.slice(0, -CUT_MARK.length) ?? "")).toBe(true);
    }
    for (const field of ["id", "at", "status", "kind", "transport", "requestId"] as const) expect(metadata[field]).toBe(full[field]);
  });

  it("fits 1024 bytes for every length of URL and key", () => {
    for (let urlLength = 0; urlLength <= 4000; urlLength += 97) {
      for (const keyLength of [1, 64, 128, 200, 255, 256]) {
        const full = record({ upstreamUrl: `https://x.test/${"u".repeat(urlLength)}`, affinity: "k".repeat(keyLength) });
        expect(bytesOf(toMetadata(full)), `url ${urlLength}, key ${keyLength}`).toBeLessThanOrEqual(1024);
      }
    }
  });
});
