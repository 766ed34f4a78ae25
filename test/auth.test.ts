/** Clients authenticate with `x-relay-token`; an unset RELAY_TOKEN fails closed; relay headers stay in the relay. */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { isSameSecret } from "../src/auth";
import { fullSyncEnvelope, postEnvelope } from "./helpers/envelope";
import { expectRelayError } from "./helpers/errors";
import { clientHeaders, RELAY, relayFetch, relayToken, uniqueKey, upstreamSeen } from "./helpers/relay";

/** The test env with RELAY_TOKEN replaced (an empty string, or removed altogether). */
function envWithToken(token: string | null): Env {
  const copy: Env = { ...env };
  if (token === null) Reflect.deleteProperty(copy, "RELAY_TOKEN");
  else copy.RELAY_TOKEN = token;
  return copy;
}

async function transparentWith(headers: Record<string, string>, id: string): Promise<Response> {
  return relayFetch("/v1/messages", {
    method: "POST",
    headers: { "content-type": "application/json", "x-stand-in-id": id, ...headers },
    body: "{}",
  });
}

describe("client authentication", () => {
  it("refuses a transparent request without x-relay-token: 401, nothing sent upstream", async () => {
    const id = uniqueKey("no-token");
    await expectRelayError(await transparentWith({}, id), 401, "authentication_error");
    expect(await upstreamSeen(id)).toBeNull();
  });

  it("refuses a transparent request with a wrong token: 401, nothing sent upstream", async () => {
    const id = uniqueKey("bad-token");
    await expectRelayError(await transparentWith({ "x-relay-token": `${relayToken()}x` }, id), 401, "authentication_error");
    expect(await upstreamSeen(id)).toBeNull();
  });

  it("does not take the token from Authorization or a query parameter over HTTP", async () => {
    const id = uniqueKey("elsewhere");
    const response = await relayFetch(`/v1/messages?token=${relayToken()}`, {
      method: "POST",
      headers: { authorization: `Bearer ${relayToken()}`, "x-stand-in-id": id },
      body: "{}",
    });
    await expectRelayError(response, 401, "authentication_error");
    expect(await upstreamSeen(id)).toBeNull();
  });

  it("refuses a protocol-1 envelope without a token or with a wrong one: 401, nothing sent upstream", async () => {
    const id = uniqueKey("p1-token");
    const envelope = await fullSyncEnvelope({ affinity: id, body: "{}", upstream: { headers: { "x-stand-in-id": id } } });
    const missing = await relayFetch("/", { method: "POST", body: JSON.stringify(envelope) });
    await expectRelayError(missing, 401, "authentication_error");
    const wrong = await postEnvelope(envelope, { "x-relay-token": "not-the-token" });
    await expectRelayError(wrong, 401, "authentication_error");
    expect(await upstreamSeen(id)).toBeNull();
  });

  it.each([
    ["unset", null],
    ["empty", ""],
  ])("fails closed when RELAY_TOKEN is %s: 503 relay_not_configured, for both HTTP transports", async (_label, token) => {
    const id = uniqueKey("unconfigured");
    const closedEnv = envWithToken(token);
    const transparent = await worker.fetch(
      new Request(`${RELAY}/v1/messages`, { method: "POST", headers: { "x-relay-token": "", "x-stand-in-id": id }, body: "{}" }),
      closedEnv,
      createExecutionContext(),
    );
    await expectRelayError(transparent, 503, "relay_not_configured");
    const envelope = await fullSyncEnvelope({ affinity: id, body: "{}", upstream: { headers: { "x-stand-in-id": id } } });
    const protocol1 = await worker.fetch(
      new Request(`${RELAY}/`, { method: "POST", headers: { "x-relay-token": "" }, body: JSON.stringify(envelope) }),
      closedEnv,
      createExecutionContext(),
    );
    await expectRelayError(protocol1, 503, "relay_not_configured");
    expect(await upstreamSeen(id)).toBeNull();
    const health = await worker.fetch(new Request(`${RELAY}/`), closedEnv, createExecutionContext());
    expect(health.status).toBe(200);
  });

  it("compares secrets exactly (isSameSecret)", async () => {
    expect(await isSameSecret("s3cret", "s3cret")).toBe(true);
    expect(await isSameSecret("s3cret", "s3creT")).toBe(false);
    expect(await isSameSecret("s3cre", "s3cret")).toBe(false);
    expect(await isSameSecret("s3cret ", "s3cret")).toBe(false);
    expect(await isSameSecret("", "s3cret")).toBe(false);
    expect(await isSameSecret("héllo🚀", "héllo🚀")).toBe(true);
  });
});

describe("what reaches the upstream", () => {
  it("transparent: no x-relay-* header (token included); authorization and x-api-key arrive untouched", async () => {
    const id = uniqueKey("headers-t");
    await relayFetch("/v1/messages", {
      method: "POST",
      headers: clientHeaders({
        "x-stand-in-id": id,
        "x-session-affinity": id,
        "x-relay-route": "envelope",
        "x-relay-custom": "should-not-pass",
        authorization: "Bearer sk-ant-test-Ab9+/=",
        "x-api-key": "sk-ant-api-key-Zz1",
      }),
      body: "{}",
    }).then((response) => response.arrayBuffer());
    const seen = await upstreamSeen(id);
    if (!seen) throw new Error("the request did not reach the stand-in");
    expect(Object.keys(seen.headers).filter((name) => name.startsWith("x-relay-"))).toEqual([]);
    expect(JSON.stringify(seen.headers)).not.toContain(relayToken());
    expect(seen.headers.authorization).toBe("Bearer sk-ant-test-Ab9+/=");
    expect(seen.headers["x-api-key"]).toBe("sk-ant-api-key-Zz1");
    expect(seen.headers["x-session-affinity"]).toBe(id);
  });

  it("protocol 1: no x-relay-* header from the envelope or the request; upstream credentials untouched", async () => {
    const id = uniqueKey("headers-1");
    const envelope = await fullSyncEnvelope({
      affinity: id,
      body: "{}",
      upstream: {
        headers: {
          "x-stand-in-id": id,
          "x-relay-token": relayToken(),
          "x-relay-smuggled": "1",
          authorization: "Bearer sk-ant-envelope",
          "x-api-key": "sk-ant-envelope-key",
        },
      },
    });
    const response = await postEnvelope(envelope, { "x-relay-extra": "1", authorization: "Bearer outer" });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    const seen = await upstreamSeen(id);
    if (!seen) throw new Error("the request did not reach the stand-in");
    expect(Object.keys(seen.headers).filter((name) => name.startsWith("x-relay-"))).toEqual([]);
    expect(JSON.stringify(seen.headers)).not.toContain(relayToken());
    expect(seen.headers.authorization).toBe("Bearer sk-ant-envelope");
    expect(seen.headers["x-api-key"]).toBe("sk-ant-envelope-key");
  });
});
