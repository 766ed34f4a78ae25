/**
 * Headers cross the relay as the contract says: the upstream's response headers reach the client as they are
 * (plus `x-relay-request-id`), request headers reach the upstream as they are, and hop-by-hop headers, with those
 * named in `Connection`, cross in neither direction.
 */
import { describe, expect, it } from "vitest";
import { clientHeaders, relayFetch, UPSTREAM, uniqueKey, upstreamSeen } from "./helpers/relay";

/** Headers that are per message, not per resource: they may legitimately differ between two fetches. */
const PER_MESSAGE = new Set(["date"]);
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-authenticate", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"];

function headerPairs(headers: Headers, skip: ReadonlySet<string>): [string, string][] {
  return [...headers].filter(([name]) => !skip.has(name));
}

describe("response headers", () => {
  it.each([
    ["an SSE answer", { "content-type": "application/json" }, JSON.stringify({ stream: true })],
    ["a JSON answer", { "content-type": "application/json" }, "{}"],
    ["an error with set-cookie", { "x-stand-in-scenario": "status", "x-stand-in-status": "500" }, "{}"],
  ])("are the upstream's own for %s, minus hop-by-hop, plus the request id", async (_label, headers, body) => {
    const direct = await fetch(`${UPSTREAM}/v1/messages`, { method: "POST", headers, body });
    await direct.arrayBuffer();
    // The stand-in is a Node server: it sends keep-alive headers, which the relay must not pass on.
    expect(direct.headers.get("connection")).toBe("keep-alive");
    expect(direct.headers.get("keep-alive")).toBe("timeout=5");
    const relayed = await relayFetch("/v1/messages", { method: "POST", headers: clientHeaders(headers), body });
    await relayed.arrayBuffer();
    const skip = new Set([...PER_MESSAGE, ...HOP_BY_HOP]);
    const expected = [...headerPairs(direct.headers, skip), ["x-relay-request-id", relayed.headers.get("x-relay-request-id") ?? "missing"]];
    expect(headerPairs(relayed.headers, new Set(PER_MESSAGE)).sort()).toEqual(expected.sort());
    for (const name of HOP_BY_HOP) expect(relayed.headers.has(name)).toBe(false);
  });

  it("keeps set-cookie and request-id values exactly", async () => {
    const relayed = await relayFetch("/v1/messages", {
      method: "POST",
      headers: clientHeaders({ "x-stand-in-scenario": "status", "x-stand-in-status": "529" }),
      body: "{}",
    });
    await relayed.arrayBuffer();
    expect(relayed.headers.getSetCookie()).toEqual(["upstream-session=standin-cookie"]);
    expect(relayed.headers.get("x-request-id")).toBe("req_standin");
  });
});

describe("request headers", () => {
  it("reach the upstream untouched, whatever their case or content", async () => {
    const id = uniqueKey("req-headers");
    const response = await relayFetch("/v1/messages", {
      method: "POST",
      headers: clientHeaders({
        "x-stand-in-id": id,
        "anthropic-version": "2023-06-01",
        "anthropic-beta": "a-2025-01-01,b-2025-02-02",
        "Authorization": "Bearer sk-ant-Case+/=",
        "X-Api-Key": "sk-ant-key",
        "user-agent": "relay-test/1.0",
        "x-custom": "  inner  spaces  kept  ",
      }),
      body: "{}",
    });
    await response.arrayBuffer();
    const seen = await upstreamSeen(id);
    if (!seen) throw new Error("the request did not reach the stand-in");
    expect(seen.headers).toMatchObject({
      "anthropic-version": "2023-06-01",
      "anthropic-beta": "a-2025-01-01,b-2025-02-02",
      authorization: "Bearer sk-ant-Case+/=",
      "x-api-key": "sk-ant-key",
      "user-agent": "relay-test/1.0",
      "x-custom": "inner  spaces  kept",
      "content-type": "application/json",
    });
  });

  it("drop hop-by-hop headers and the headers Connection names", async () => {
    const id = uniqueKey("hop");
    const response = await relayFetch("/v1/messages", {
      method: "POST",
      headers: clientHeaders({
        "x-stand-in-id": id,
        connection: "x-hop-named, X-Other-Named",
        "x-hop-named": "must-not-pass",
        "x-other-named": "must-not-pass-either",
        "keep-alive": "timeout=77",
        te: "trailers",
        "proxy-authorization": "Basic cHJveHk6c2VjcmV0",
        "proxy-connection": "keep-alive",
        trailer: "x-trailer",
        "x-kept": "kept",
      }),
      body: "{}",
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    const seen = await upstreamSeen(id);
    if (!seen) throw new Error("the request did not reach the stand-in");
    const names = Object.keys(seen.headers);
    for (const name of ["x-hop-named", "x-other-named", "proxy-authorization", "proxy-connection", "trailer", "te"]) {
      expect(names).not.toContain(name);
    }
    expect(seen.headers["keep-alive"]).not.toBe("timeout=77");
    expect(seen.headers.connection ?? "").not.toMatch(/x-hop-named/i);
    expect(JSON.stringify(seen.headers)).not.toContain("must-not-pass");
    expect(seen.headers["x-kept"]).toBe("kept");
  });
});
