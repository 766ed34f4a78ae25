/**
 * Runs last (see vitest.reliability.config.ts): no secret is stored, logged or answered. Every client request of
 * the suite carried canary credentials (authorization Bearer, x-api-key, cookie, proxy-authorization) and the
 * canary relay token, every forensics call the canary admin token. Here upstream errors also echo those values in
 * their bodies, URLs and messages. Then everything the suite left behind is searched: every forensics answer, all
 * of KV and every session's journal through the API, every file under the persist directory (KV and the objects'
 * SQLite files, raw bytes), and the relay's logs. Zero hits for each canary; each search is shown to see.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { adminGet, adminJson, canaries, clientHeaders, ctx, eventually, forEachConcurrently, relayFetch, relayLogs, upstreamSeen, uniqueKey } from "./helpers/context.js";
import { fullSyncEnvelope, postEnvelope, toFrame } from "./helpers/envelopes.js";
import { kvListing, sessionPath, settledSummary } from "./helpers/forensics.js";
import { emptyHits, filesContaining, scanBytes, scanDirectory, type Hits } from "./helpers/scan.js";
import { WsClient } from "./helpers/ws-client.js";

const ECHO_MARKER = "the upstream echoes what it received";
const key = uniqueKey("secrets");
const baseMarker = `${key}-stored-base-marker`;
const { bearer, apiKey, cookie } = ctx.credentials;
/** An upstream error body that echoes the credentials it received (and, for good measure, the relay's own). */
const echo = JSON.stringify({
  type: "error",
  error: { type: "authentication_error", message: ECHO_MARKER },
  received: { authorization: `Bearer ${bearer}`, "x-api-key": apiKey, cookie: `theme=dark; session=${cookie}`, token: bearer, relay: ctx.relayToken, admin: ctx.adminToken },
});
const echoing = (status: number): Record<string, string> => ({
  "x-stand-in-scenario": "status", "x-stand-in-status": String(status), "x-stand-in-content-type": "application/json",
  "x-stand-in-body-bytes": String(Buffer.byteLength(echo)), "x-stand-in-fill": encodeURIComponent(echo),
});
const withKey = (url: string): string => `${url}?key=${apiKey}&beta=1`;
const requestIds: string[] = [];
const echoIds: string[] = [];

async function keep(response: Response, echoes: boolean): Promise<void> {
  await response.arrayBuffer();
  const id = response.headers.get("x-relay-request-id");
  if (id === null) throw new Error("no request id");
  requestIds.push(id);
  if (echoes) echoIds.push(id);
}

describe("no secret is stored, logged or answered", () => {
  beforeAll(async () => {
    const transparentPath = `/v1/messages?key=${apiKey}&beta=1`;
    await keep(await relayFetch(transparentPath, { method: "POST", headers: clientHeaders({ "x-session-affinity": key, ...echoing(401) }), body: "{}" }), true);
    await keep(await relayFetch(transparentPath, { method: "POST", headers: clientHeaders(echoing(500)), body: "{}" }), true);
    await keep(await postEnvelope(fullSyncEnvelope({ affinity: key, body: baseMarker, url: withKey(`${ctx.upstreamOrigin}/v1/messages`), headers: echoing(500) })), true);
    await keep(await postEnvelope(fullSyncEnvelope({ affinity: key, body: "{}", revision: 2, url: withKey(`${ctx.unreachableOrigin}/v1/messages`) })), false);
    await keep(await relayFetch(transparentPath, { method: "POST", headers: clientHeaders({ "x-session-affinity": key, "x-stand-in-scenario": "hang" }), body: "{}" }), false);
    await keep(await relayFetch(transparentPath, { method: "POST", headers: clientHeaders({ "x-session-affinity": key, "x-stand-in-scenario": "reset" }), body: "{}" }), false);
    const { client } = await WsClient.openReady(key, { via: "query" });
    for (const [id, headers] of [["echo", echoing(529)], ["sse", { "x-stand-in-scenario": "sse-error" }]] as const) {
      const turn = await client.turn(toFrame(fullSyncEnvelope({ affinity: key, body: baseMarker, url: withKey(`${ctx.upstreamOrigin}/v1/messages`), headers, revision: 3 }), id));
      requestIds.push(String(turn.accepted.requestId));
      if (id === "echo") echoIds.push(String(turn.accepted.requestId));
    }
    client.close();
    await settledSummary(key, requestIds.length - 1, 30_000);
    await eventually("every record of this file is in KV", async () => {
      const listed = new Set((await kvListing("limit=1000")).errors.map((entry) => entry.requestId));
      return requestIds.every((id) => listed.has(id));
    }, 30_000);
  }, 120_000);

  it("sends the client's credentials upstream, and never the relay token, the admin token or proxy-authorization", async () => {
    const standInId = `${key}-seen`;
    const response = await relayFetch("/v1/messages", { method: "POST", headers: clientHeaders({ "x-session-affinity": key, "x-stand-in-id": standInId }), body: "{}" });
    await response.arrayBuffer();
    const seen = await upstreamSeen(standInId);
    const headers = JSON.stringify(seen?.headers ?? null);
    expect({ bearer: headers.includes(bearer), apiKey: headers.includes(apiKey), cookie: headers.includes(cookie) }).toEqual({ bearer: true, apiKey: true, cookie: true });
    expect({ relay: headers.includes(ctx.relayToken), admin: headers.includes(ctx.adminToken), proxy: headers.includes(ctx.credentials.proxy) }).toEqual({ relay: false, admin: false, proxy: false });
  });

  it("journals the echoing errors with every echoed credential redacted", async () => {
    const listed = (await kvListing("limit=1000")).errors.filter((entry) => echoIds.includes(entry.requestId));
    expect(listed).toHaveLength(echoIds.length);
    for (const entry of listed) {
      const record = await adminJson(`/_relay/errors/${entry.id}`);
      const text = JSON.stringify(record);
      expect(text).toContain(ECHO_MARKER);
      expect(text).toContain("[redacted]");
      expect(Object.values(canaries()).filter((value) => text.includes(value))).toEqual([]);
    }
  });

  it("leaves no canary in KV or any session's journal, as the forensics API lists them all", async () => {
    const hits: Hits = emptyHits(canaries());
    const { errors } = await kvListing("limit=1000");
    expect(errors.length).toBeGreaterThanOrEqual(requestIds.length);
    scanBytes(Buffer.from(JSON.stringify(errors)), "the global listing (KV metadata)", canaries(), hits);
    await forEachConcurrently(errors, 8, async (entry) => {
      const answer = await adminGet(`/_relay/errors/${entry.id}`);
      expect(answer.status).toBe(200);
      scanBytes(Buffer.from(answer.text), `record ${entry.id}`, canaries(), hits);
    });
    const sessions = [...new Set(errors.map((entry) => entry.affinity).filter((affinity): affinity is string => affinity !== null))];
    await forEachConcurrently(sessions, 8, async (affinity) => {
      for (const path of [sessionPath(affinity), `${sessionPath(affinity)}/errors?limit=100`]) {
        const answer = await adminGet(path);
        expect(answer.status).toBe(200);
        scanBytes(Buffer.from(answer.text), path, canaries(), hits);
      }
    });
    expect(hits).toEqual(emptyHits(canaries()));
  });

  it("leaves no canary in any file under the persist directory (KV, the objects' SQLite files)", () => {
    const hits: Hits = emptyHits(canaries());
    const files = scanDirectory(ctx.persistDir, canaries(), hits);
    expect(files.some((file) => /\/do\/.*SessionRelay\/.*\.sqlite$/.test(file))).toBe(true);
    expect(files.some((file) => file.includes("/kv/"))).toBe(true);
    // The search sees what is stored: a stored base and a delivered record are found where they live.
    expect(filesContaining(ctx.persistDir, baseMarker).some((file) => file.startsWith("v3/do/"))).toBe(true);
    expect(filesContaining(ctx.persistDir, requestIds[0] ?? "none").some((file) => file.startsWith("v3/kv/"))).toBe(true);
    expect(hits).toEqual(emptyHits(canaries()));
  });

  it("leaves no canary in the relay's logs", () => {
    const logs = relayLogs();
    // The search sees what is logged: each journaled error of this file has its log line.
    for (const id of requestIds) expect(logs).toContain(id);
    const hits: Hits = emptyHits(canaries());
    scanBytes(Buffer.from(logs), "the relay's logs", canaries(), hits);
    expect(hits).toEqual(emptyHits(canaries()));
  });

  it("leaves no canary in wrangler dev's own debug log, but inside request URLs a client wrote it in", () => {
    const log = readFileSync(ctx.wranglerLogFile, "utf8");
    // What a client puts in a URL is logged by the platform as it arrives (the old clients' `?token=`, our `?key=`).
    expect(log).toContain(`token=${ctx.relayToken}`);
    const outsideUrls = log.replace(/(?:https?|wss?):\/\/[^\s'"]*/g, "[url]").replace(/\b(?:GET|POST|PUT|DELETE|PATCH|HEAD) \/[^\s'"]*/g, "[request line]");
    const hits: Hits = emptyHits(canaries());
    scanBytes(Buffer.from(outsideUrls), "wrangler's debug log, outside URLs", canaries(), hits);
    expect(hits).toEqual(emptyHits(canaries()));
  });

  it("leaves no canary in any forensics answer the suite received", () => {
    const answers = readFileSync(ctx.answersFile);
    expect(answers.byteLength).toBeGreaterThan(0);
    const hits: Hits = emptyHits(canaries());
    scanBytes(answers, "the forensics answers", canaries(), hits);
    expect(hits).toEqual(emptyHits(canaries()));
  });
});
