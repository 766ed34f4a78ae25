/**
 * The relay is never an open proxy: an envelope's `upstream.url` must be http(s), carry no credentials, and have
 * an origin in UPSTREAM_ALLOWLIST. Refused envelopes send nothing anywhere.
 */
import { describe, expect, it } from "vitest";
import { fullSyncEnvelope, postEnvelope } from "./helpers/envelope";
import { expectNamesField, expectRelayError } from "./helpers/errors";
import { uniqueKey, UPSTREAM, upstreamSeen } from "./helpers/relay";

const upstreamHost = new URL(UPSTREAM).host;
const upstreamPort = Number(new URL(UPSTREAM).port);

async function send(url: string, id: string): Promise<Response> {
  return postEnvelope(await fullSyncEnvelope({ affinity: id, body: "{}", upstream: { url, headers: { "x-stand-in-id": id } } }));
}

describe("upstream allowlist", () => {
  it.each([
    ["an unlisted host", "https://evil.example/v1/messages"],
    ["the allowed host on another port", `http://127.0.0.1:${upstreamPort + 1}/v1/messages`],
    ["the allowed host over https", `https://${upstreamHost}/v1/messages`],
    ["the allowed host by another name", `http://localhost:${upstreamPort}/v1/messages`],
    ["userinfo that looks like the allowed origin", `http://${upstreamHost}@evil.example/v1/messages`],
    ["userinfo with a password", `http://allowed:${upstreamPort}@evil.example/v1/messages`],
  ])("refuses %s with 403 upstream_not_allowed, nothing sent", async (_label, url) => {
    const id = uniqueKey("off-list");
    await expectRelayError(await send(url, id), 403, "upstream_not_allowed");
    expect(await upstreamSeen(id)).toBeNull();
  });

  it.each([
    ["a username", `http://user@${upstreamHost}/v1/messages`],
    ["a username and password", `http://user:secret@${upstreamHost}/v1/messages`],
  ])("refuses the allowed origin with %s in the URL: 403, nothing sent", async (_label, url) => {
    const id = uniqueKey("credentials");
    await expectRelayError(await send(url, id), 403, "upstream_not_allowed");
    expect(await upstreamSeen(id)).toBeNull();
  });

  it.each([
    ["ftp:", `ftp://${upstreamHost}/v1/messages`],
    ["file:", "file:///etc/passwd"],
    ["data:", "data:text/plain,hello"],
    ["javascript:", "javascript:alert(1)"],
    ["ws:", `ws://${upstreamHost}/v1/messages`],
  ])("refuses the %s scheme: 400 naming upstream.url, nothing sent", async (_label, url) => {
    const id = uniqueKey("scheme");
    expectNamesField(await expectRelayError(await send(url, id), 400, "invalid_request"), "upstream.url");
    expect(await upstreamSeen(id)).toBeNull();
  });

  it.each([
    ["the allowed origin", `${UPSTREAM}/v1/messages`, "/v1/messages", ""],
    ["the allowed origin in upper case, with a query", `${UPSTREAM.toUpperCase()}/v1/messages?beta=true`, "/v1/messages", "?beta=true"],
  ])("relays to %s", async (_label, url, path, query) => {
    const id = uniqueKey("allowed");
    const response = await send(url, id);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(await upstreamSeen(id)).toMatchObject({ path, query, body: "{}" });
  });
});
