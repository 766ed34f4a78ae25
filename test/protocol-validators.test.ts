/** The protocol-1 validators (src/protocol.ts) as pure functions: what a valid envelope becomes, and refusals. */
import { describe, expect, it } from "vitest";
import { readConfig } from "../src/config";
import { RelayError } from "../src/errors";
import { checkAllowedUrl, parseEnvelope, parseJson } from "../src/protocol";

const config = readConfig({ UPSTREAM_URL: "https://api.example", UPSTREAM_ALLOWLIST: "https://api.example,http://10.0.0.1:8080" });
const HASH = `sha256:${"ab".repeat(32)}`;
const BASE = {
  protocol: 1,
  type: "request",
  affinity: "session-1",
  upstream: { url: "https://api.example/v1/messages?beta=true", method: "POST", headers: { "anthropic-version": "2023-06-01" } },
  mode: "full_sync",
  revision: 0,
  next_hash: HASH,
  body: "{}",
};

function refusal(run: () => unknown): RelayError {
  try {
    run();
  } catch (error) {
    if (error instanceof RelayError) return error;
    throw error;
  }
  throw new Error("expected a RelayError");
}

describe("parseEnvelope", () => {
  it("turns a full_sync envelope into its typed form", () => {
    const envelope = parseEnvelope(BASE, config);
    expect(envelope).toMatchObject({ affinity: "session-1", revision: 0, nextHash: HASH, mode: "full_sync", body: "{}" });
    expect(envelope.upstream.url.toString()).toBe("https://api.example/v1/messages?beta=true");
    expect(envelope.upstream).toMatchObject({ method: "POST", headers: { "anthropic-version": "2023-06-01" } });
  });

  it("turns a single patch object into a list of one, and lower-cases hashes", () => {
    const { body: _body, ...common } = BASE;
    const upper = `sha256:${"AB".repeat(32)}`;
    const envelope = parseEnvelope({ ...common, mode: "patch", next_hash: upper, base_hash: upper, patch: { start: 1, deleteCount: 0, insert: "x" } }, config);
    expect(envelope).toMatchObject({ mode: "patch", nextHash: HASH, baseHash: HASH, patches: [{ start: 1, deleteCount: 0, insert: "x" }] });
  });

  it("defaults upstream.method to POST and upstream.headers to none", () => {
    const envelope = parseEnvelope({ ...BASE, upstream: { url: "https://api.example/v1/messages" } }, config);
    expect(envelope.upstream).toMatchObject({ method: "POST", headers: {} });
  });

  it("checks the protocol number it is asked for (protocol 2 reuses it)", () => {
    expect(parseEnvelope({ ...BASE, protocol: 2 }, config, 2).affinity).toBe("session-1");
    expect(refusal(() => parseEnvelope(BASE, config, 2)).message).toBe("protocol must be 2");
  });

  it.each([
    ["the largest safe revision", { revision: Number.MAX_SAFE_INTEGER }],
    ["an empty body", { body: "" }],
    ["a 256-character affinity", { affinity: "a".repeat(256) }],
  ])("accepts %s", (_label, change) => {
    expect(() => parseEnvelope({ ...BASE, ...change }, config)).not.toThrow();
  });

  it.each([
    ["a revision past the safe integers", { revision: 2 ** 53 }, "revision"],
    ["a NaN-like revision", { revision: null }, "revision"],
    ["a 257-character affinity", { affinity: "a".repeat(257) }, "affinity"],
    ["a header name with a colon", { upstream: { url: "https://api.example/", headers: { "x:y": "1" } } }, "upstream.headers"],
    ["a header value above Latin-1", { upstream: { url: "https://api.example/", headers: { "x-y": "🚀" } } }, 'upstream.headers["x-y"]'],
  ])("refuses %s with a 400 naming the field", (_label, change, field) => {
    const error = refusal(() => parseEnvelope({ ...BASE, ...change }, config));
    expect(error.status).toBe(400);
    expect(error.message.startsWith(`${field} `)).toBe(true);
  });
});

describe("checkAllowedUrl", () => {
  it.each([
    ["https://api.example/v1/messages", "https://api.example/v1/messages"],
    ["https://API.EXAMPLE:443/v1", "https://api.example/v1"],
    ["http://10.0.0.1:8080/x?y=1", "http://10.0.0.1:8080/x?y=1"],
  ])("allows %s", (raw, expected) => {
    expect(checkAllowedUrl(raw, config).toString()).toBe(expected);
  });

  it.each([
    ["https://evil.example/", 403],
    ["http://api.example/", 403],
    ["https://api.example:8443/", 403],
    ["http://10.0.0.1:8081/", 403],
    ["https://api.example@evil.example/", 403],
    ["https://user:pass@api.example/", 403],
    ["https://user@api.example/", 403],
    ["ftp://api.example/", 400],
    ["//api.example/v1", 400],
    ["api.example/v1", 400],
  ])("refuses %s with %i", (raw, status) => {
    expect(refusal(() => checkAllowedUrl(raw, config)).status).toBe(status);
  });
});

describe("parseJson", () => {
  it("parses JSON and turns a syntax error into a 400 naming what was parsed", () => {
    expect(parseJson('{"a":[1]}', "the envelope")).toEqual({ a: [1] });
    const error = refusal(() => parseJson("{", "the envelope"));
    expect(error.status).toBe(400);
    expect(error.message).toBe("the envelope is not valid JSON");
  });
});
