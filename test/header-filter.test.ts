/** Header filtering (durable/headers.ts): what the upstream and the client each receive. */
import { describe, expect, it } from "vitest";
import { clientResponseHeaders, upstreamRequestHeaders } from "../durable/headers";

const HOP_BY_HOP = {
  connection: "keep-alive, x-listed",
  "keep-alive": "timeout=5",
  "proxy-authenticate": "Basic",
  "proxy-authorization": "Basic abc",
  "proxy-connection": "keep-alive",
  te: "trailers",
  trailer: "x-checksum",
  "transfer-encoding": "chunked",
  upgrade: "h2c",
  "x-listed": "named by Connection",
};

describe("upstreamRequestHeaders", () => {
  it("drops x-relay-*, hop-by-hop, Connection-named, host and content-length; keeps credentials untouched", () => {
    const out = upstreamRequestHeaders(
      new Headers({
        ...HOP_BY_HOP,
        "x-relay-token": "secret",
        "x-relay-route": "transparent",
        "X-Relay-Anything": "1",
        host: "relay.test",
        "content-length": "12",
        authorization: "Bearer sk-ant-x",
        "x-api-key": "sk-ant-y",
        "anthropic-version": "2023-06-01",
        "content-type": "application/json",
        "x-relayed-by": "not a relay header",
      }),
    );
    expect([...out].sort()).toEqual([
      ["anthropic-version", "2023-06-01"],
      ["authorization", "Bearer sk-ant-x"],
      ["content-type", "application/json"],
      ["x-api-key", "sk-ant-y"],
      ["x-relayed-by", "not a relay header"],
    ]);
  });

  it("takes a plain record (protocol-1 upstream.headers) the same way, names in any case", () => {
    const out = upstreamRequestHeaders({ Connection: "X-Named", "X-Named": "1", "X-Relay-Token": "t", Authorization: "Bearer a" });
    expect([...out]).toEqual([["authorization", "Bearer a"]]);
  });
});

describe("clientResponseHeaders", () => {
  it("drops hop-by-hop and Connection-named headers, keeps the rest (several set-cookie included)", () => {
    const upstream = new Headers(HOP_BY_HOP);
    upstream.append("set-cookie", "a=1");
    upstream.append("set-cookie", "b=2");
    upstream.set("content-type", "text/event-stream");
    upstream.set("request-id", "req_1");
    upstream.set("x-relay-upstream-header", "passed: only requests lose x-relay-*");
    const out = clientResponseHeaders(upstream);
    expect(out.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect([...out].filter(([name]) => name !== "set-cookie").sort()).toEqual([
      ["content-type", "text/event-stream"],
      ["request-id", "req_1"],
      ["x-relay-upstream-header", "passed: only requests lose x-relay-*"],
    ]);
  });
});
