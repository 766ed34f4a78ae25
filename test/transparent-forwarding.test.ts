/**
 * Transparent mode relays any path to UPSTREAM_URL + path + query with the same method and body, and answers with
 * the upstream's own status, status text and body; redirects pass through; every answer has a fresh request id.
 */
import { describe, expect, it } from "vitest";
import { readConfig } from "../src/config";
import { transparentUpstreamUrl } from "../durable/upstream-url";
import { errorJson, messageJson } from "../tools/stand-in/messages.js";
import { sha256Hex } from "./helpers/envelope";
import { expectRelayError } from "./helpers/errors";
import { bodyBytes, clientHeaders, relayFetch, UPSTREAM, uniqueKey, upstreamSeen } from "./helpers/relay";

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const encoder = new TextEncoder();

async function seenFor(id: string) {
  const seen = await upstreamSeen(id);
  if (!seen) throw new Error(`the stand-in saw nothing for ${id}`);
  return seen;
}

describe("transparent forwarding", () => {
  it.each(["POST", "PUT", "PATCH", "DELETE"])("forwards %s with its path, query and exact body", async (method) => {
    const id = uniqueKey(`fwd-${method}`);
    const body = JSON.stringify({ text: "héllo 世界 🚀", method });
    const response = await relayFetch("/v1/some/deep/path?a=1&b=%20x&c=%E2%9C%93", {
      method,
      headers: clientHeaders({ "x-stand-in-id": id, "x-stand-in-scenario": "echo" }),
      body,
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    const seen = await seenFor(id);
    expect(seen).toMatchObject({ method, path: "/v1/some/deep/path", query: "?a=1&b=%20x&c=%E2%9C%93", body });
    expect(seen.bodySha256).toBe(await sha256Hex(encoder.encode(body)));
  });

  it("forwards GET with its query and no body", async () => {
    const id = uniqueKey("fwd-get");
    const response = await relayFetch("/v1/models?limit=2", { headers: clientHeaders({ "x-stand-in-id": id, "x-stand-in-scenario": "echo" }) });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(await seenFor(id)).toMatchObject({ method: "GET", path: "/v1/models", query: "?limit=2", bodyBytes: 0 });
  });

  it("answers with the upstream's JSON body byte for byte, equal to a direct fetch", async () => {
    const init = { method: "POST", body: JSON.stringify({ model: "m", max_tokens: 5 }) };
    const relayed = await relayFetch("/v1/messages", { ...init, headers: clientHeaders({ "x-stand-in-deltas": "3" }) });
    const direct = await fetch(`${UPSTREAM}/v1/messages`, { ...init, headers: { "x-stand-in-deltas": "3" } });
    const relayedBytes = await bodyBytes(relayed);
    expect(relayed.status).toBe(200);
    expect(relayedBytes).toEqual(await bodyBytes(direct));
    expect(new TextDecoder().decode(relayedBytes)).toBe(JSON.stringify(messageJson({ deltas: 3 })));
  });

  it.each([400, 404, 500, 529])("passes the upstream's %i status, status text and error body through", async (status) => {
    const headers = { "x-stand-in-scenario": "status", "x-stand-in-status": String(status) };
    const relayed = await relayFetch("/v1/messages", { method: "POST", headers: clientHeaders(headers), body: "{}" });
    const direct = await fetch(`${UPSTREAM}/v1/messages`, { method: "POST", headers, body: "{}" });
    expect(relayed.status).toBe(status);
    expect(relayed.statusText).toBe(direct.statusText);
    expect(await relayed.text()).toBe(JSON.stringify(errorJson(status)));
  });

  it("passes a redirect through instead of following it", async () => {
    const response = await relayFetch("/v1/messages", {
      method: "POST",
      headers: clientHeaders({ "x-stand-in-scenario": "redirect" }),
      body: "{}",
      redirect: "manual",
    });
    expect(response.status).toBe(307);
    expect(response.headers.get("location")).toBe("http://127.0.0.1:1/elsewhere");
    expect(await response.text()).toBe("redirected");
  });

  it("gives every relayed response its own ULID in x-relay-request-id", async () => {
    const ids: string[] = [];
    for (const scenario of ["echo", "status", "redirect"]) {
      const response = await relayFetch("/v1/messages", {
        method: "POST",
        headers: clientHeaders({ "x-stand-in-scenario": scenario }),
        body: "{}",
        redirect: "manual",
      });
      await response.arrayBuffer();
      const id = response.headers.get("x-relay-request-id");
      expect(id).toMatch(ULID);
      if (id) ids.push(id);
    }
    expect(new Set(ids).size).toBe(3);
  });
});

describe("the upstream path stays under UPSTREAM_URL", () => {
  it.each([
    ["/%2e%2e/x", "/x"],
    ["/v1/%2e%2e/%2E%2E/%2e%2e/x", "/x"],
  ])("relays %s to the stand-in's %s", async (path, expected) => {
    const id = uniqueKey("traversal");
    const response = await relayFetch(path, { headers: clientHeaders({ "x-stand-in-id": id, "x-stand-in-scenario": "echo" }) });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(await seenFor(id)).toMatchObject({ path: expected, query: "" });
  });

  it.each(["/v1/..%2fadmin", "/v1/%2e%2e%5cadmin", "/v1/%252e%252e%252fadmin"])(
    "refuses %s, whose dot segments an upstream could decode later: 400, nothing sent",
    async (path) => {
      const id = uniqueKey("traversal-encoded");
      const response = await relayFetch(path, { headers: clientHeaders({ "x-stand-in-id": id, "x-stand-in-scenario": "echo" }) });
      await expectRelayError(response, 400, "invalid_request");
      expect(await upstreamSeen(id)).toBeNull();
    },
  );

  it("keeps encoded traversal under an UPSTREAM_URL path prefix (transparentUpstreamUrl)", () => {
    const config = readConfig({ UPSTREAM_URL: "https://api.example/base/" });
    const target = (path: string) => transparentUpstreamUrl(new URL(`https://relay.test${path}`), config).toString();
    expect(target("/%2e%2e/x")).toBe("https://api.example/base/x");
    expect(target("/v1/%2e%2e/%2e%2e/secret?q=1")).toBe("https://api.example/base/secret?q=1");
    expect(target("//evil.example/x")).toBe("https://api.example/base//evil.example/x");
    expect(target("/v1/messages?beta=true")).toBe("https://api.example/base/v1/messages?beta=true");
  });
});
