/**
 * The relay is never an open proxy. Generated from tables: envelope URLs off the allowlist (other hosts, userinfo
 * tricks, other schemes, IP literals and localhost spellings, other ports), over protocol 1 and protocol 2, are
 * refused before anything is sent; transparent-mode paths never reach the upstream outside UPSTREAM_URL's path,
 * however the upstream decodes them; malformed relay URLs (/ws, /_relay, methods) get the contract's error.
 */
import { posix } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientHeaders, ctx, relayFetch, uniqueKey, upstreamSeen } from "./helpers/context.js";
import { Conversation, fullSyncEnvelope, toFrame } from "./helpers/envelopes.js";
import { errorFrameProblem, relayErrorProblem } from "./helpers/relay-errors.js";
import { type Answer, answerOf, batches, expectRefused, rawHttp } from "./helpers/refusals.js";
import { expectSessionWorks } from "./helpers/sessions.js";
import { UpgradeRefused, WsClient } from "./helpers/ws-client.js";

const key = uniqueKey("bad-urls");
const conversation = new Conversation(key);
const held: { client: WsClient | null } = { client: null };
const socket = (): WsClient => held.client ?? (() => { throw new Error("the socket is not open"); })();
const STREAM = JSON.stringify({ model: "stand-in-model", stream: true, messages: [] });
const upstream = new URL(ctx.upstreamOrigin);
const port = Number(upstream.port);
const ALLOWED = `127.0.0.1:${port}`;

/** [url, status]: 403 for an http(s) URL whose origin is not allowlisted (or carries credentials), 400 otherwise. */
const UPSTREAM_URLS: ReadonlyArray<[string, number]> = [
  ["https://evil.example/v1/messages", 403], ["http://evil.example/v1/messages", 403], [`http://evil.example:${port}/`, 403],
  [`http://${ALLOWED}@evil.example/v1/messages`, 403], [`https://${ALLOWED}@evil.example/`, 403],
  [`http://evil.example#@${ALLOWED}/v1/messages`, 403], [`http://evil.example?@${ALLOWED}/`, 403],
  [`http://evil.example\\@${ALLOWED}/`, 403], [`http://evil.example%2f@${ALLOWED}/`, 403],
  [`http://user:pass@${ALLOWED}/v1/messages`, 403], [`http://user@${ALLOWED}/v1/messages`, 403], [`http://:pass@${ALLOWED}/`, 403],
  [`http://u:p@${new URL(ctx.unreachableOrigin).host}/`, 403], [`http://127.0.0.1.evil.example:${port}/`, 403],
  [`https://${ALLOWED}/v1/messages`, 403], [`http://localhost:${port}/`, 403], [`http://LOCALHOST:${port}/`, 403],
  [`http://localhost.:${port}/`, 403], [`http://[::1]:${port}/`, 403], [`http://0.0.0.0:${port}/`, 403],
  [`http://127.0.0.2:${port}/`, 403], [`http://[::ffff:127.0.0.1]:${port}/`, 403], [`http://2130706434:${port}/`, 403],
  [`http://0x7f.0.0.2:${port}/`, 403], [`http://127.0.0.1:${port + 1}/`, 403], ["http://127.0.0.1/", 403],
  ["http://127.0.0.1:443/", 403], ["http://127.0.0.1:65535/", 403], ["http://ℯvil.example/", 403], [" http://evil.example/", 403],
  [`ftp://${ALLOWED}/`, 400], ["file:///etc/passwd", 400], [`file://${ALLOWED}/etc/passwd`, 400], ["data:text/plain,hi", 400],
  ["javascript:alert(1)", 400], [`ws://${ALLOWED}/v1/messages`, 400], [`wss://${ALLOWED}/`, 400], [`blob:http://${ALLOWED}/x`, 400],
  ["about:blank", 400], ["mailto:a@evil.example", 400], [`gopher://${ALLOWED}/`, 400], ["/v1/messages", 400],
  ["//evil.example/x", 400], [`${ALLOWED}/v1/messages`, 400], ["http://", 400], ["http://127.0.0.1:99999/", 400],
  ["http://[::1/", 400], ["http:// evil.example/", 400], [`http://${ALLOWED}.evil.example/`, 400],
];

/** Paths a client might use to climb out of UPSTREAM_URL's path: encoded, double-encoded, backslashed, plain. */
const TRAVERSALS: readonly string[] = [
  "/..%2f..%2fetc/passwd", "/..%2F..%2Fetc/passwd", "/%2e%2e%2f%2e%2e%2fetc/passwd", "/%2E%2E%2Fetc/passwd", "/.%2e%2f.%2e%2fetc",
  "/..%5c..%5cetc/passwd", "/%2e%2e%5c%2e%2e%5cetc", "/v1/..%2f..%2f..%2fetc", "/%252e%252e%252fetc/passwd", "/..%252f..%252fetc",
  "/%252e%252e/%252e%252e/etc", "/%2e%2e/", "/../../etc/passwd", "/.%2e/.%2e/etc", "/a/../../../etc", "/%2e%2e/%2e%2e/etc/passwd",
  "/./../v1/messages", "/%2e%2e", "/..\\..\\etc",
];

/** Whether `path`, decoded as often as an upstream might decode it, stays under UPSTREAM_URL's path. */
function staysUnder(path: string): boolean {
  const prefix = new URL(ctx.upstreamUrl).pathname.replace(/\/+$/, "");
  let decoded = path;
  for (let round = 0; round < 4; round += 1) {
    const normalized = posix.normalize(decoded.replaceAll("\\", "/"));
    if (normalized !== prefix && !normalized.startsWith(`${prefix}/`)) return false;
    try {
      decoded = decodeURIComponent(decoded);
    } catch {
      return true;
    }
  }
  return true;
}

async function upgradeAnswer(query: string): Promise<Answer> {
  try {
    (await WsClient.connect(query, { "x-relay-token": ctx.relayToken })).close();
    return { status: 101, contentType: null, text: "the upgrade was accepted" };
  } catch (error) {
    if (error instanceof UpgradeRefused) return { status: error.status, contentType: error.contentType, text: error.body };
    throw error;
  }
}

const admin = (path: string, method = "GET"): Promise<Answer> =>
  relayFetch(path, { method, headers: { "x-relay-admin-token": ctx.adminToken } }).then(answerOf);
const ulidCursor = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Relay URLs that are not what a route takes: [name, status, send]. */
const RELAY_URLS: ReadonlyArray<[string, number, () => Promise<Answer>]> = [
  ["/ws without affinity", 400, () => upgradeAnswer("")], ["/ws with an empty affinity", 400, () => upgradeAnswer("affinity=")],
  ["/ws with 257 characters of affinity", 400, () => upgradeAnswer(`affinity=${"k".repeat(257)}`)],
  ["/ws with a space in the affinity", 400, () => upgradeAnswer("affinity=a%20b")], ["/ws with a non-ASCII affinity", 400, () => upgradeAnswer("affinity=%C3%A9")],
  ["/ws with a NUL in the affinity", 400, () => upgradeAnswer("affinity=a%00b")],
  ["GET /ws without Upgrade", 400, () => relayFetch(`/ws?affinity=${key}`, { headers: clientHeaders() }).then(answerOf)],
  ["POST /ws", 405, () => relayFetch(`/ws?affinity=${key}`, { method: "POST", headers: clientHeaders(), body: "{}" }).then(answerOf)],
  ...["PUT", "DELETE", "PATCH"].map((method): [string, number, () => Promise<Answer>] => [`${method} /`, 405, () => relayFetch("/", { method, headers: clientHeaders(), body: "{}" }).then(answerOf)]),
  ["/_relay/nothing", 404, () => admin("/_relay/nothing")], ["/_relay/errors/not-a-ulid", 400, () => admin("/_relay/errors/not-a-ulid")],
  ["/_relay/errors/<an unknown ULID>", 404, () => admin("/_relay/errors/01ARZ3NDEKTSV4RRFFQ69G5FAV")],
  ["/_relay/sessions/<bad percent-encoding>", 400, () => admin("/_relay/sessions/%E0%A4%A")], ["/_relay/sessions/<empty>", 400, () => admin("/_relay/sessions/")],
  ["/_relay/sessions/<a space>", 400, () => admin("/_relay/sessions/a%20b")], ["/_relay/sessions/<257 characters>", 400, () => admin(`/_relay/sessions/${"k".repeat(257)}`)],
  ["/_relay/sessions/<key>/other", 404, () => admin(`/_relay/sessions/${key}/other`)], ["/_relay/sessions/<key>/errors/x", 404, () => admin(`/_relay/sessions/${key}/errors/x`)],
  ...["0", "101", "-1", "abc", "1.5", ""].map((limit): [string, number, () => Promise<Answer>] => [`session errors limit=${limit}`, 400, () => admin(`/_relay/sessions/${key}/errors?limit=${limit}`)]),
  ...["0", "-1", "1001", "abc", "1.5", "1e2", ""].map((limit): [string, number, () => Promise<Answer>] => [`errors limit=${limit}`, 400, () => admin(`/_relay/errors?limit=${limit}`)]),
  ...["99", "600", "abc", "20x", "5000", ""].map((status): [string, number, () => Promise<Answer>] => [`errors status=${status}`, 400, () => admin(`/_relay/errors?status=${status}`)]),
  ...["garbage", "%%%", ulidCursor({ c: null, s: -1 }), ulidCursor({ c: null, s: 1000 }), ulidCursor({ c: 5, s: 0 }), ulidCursor([1])].map(
    (cursor): [string, number, () => Promise<Answer>] => [`errors cursor=${cursor}`, 400, () => admin(`/_relay/errors?cursor=${encodeURIComponent(cursor)}`)],
  ),
  ["errors session=<a space>", 400, () => admin("/_relay/errors?session=a%20b")], ["errors session=<257 characters>", 400, () => admin(`/_relay/errors?session=${"k".repeat(257)}`)],
  ["POST /_relay/errors", 405, () => admin("/_relay/errors", "POST")],
];

describe("never an open proxy, never a bad URL relayed", () => {
  beforeAll(async () => {
    held.client = (await WsClient.openReady(key)).client;
  });
  afterAll(() => held.client?.close());

  const urlCases = UPSTREAM_URLS.map(([url, status], index) => ({ url, status, index }));
  it("generates at least 100 cases", () => {
    expect(urlCases.length * 2 + TRAVERSALS.length + RELAY_URLS.length).toBeGreaterThanOrEqual(100);
  });

  for (const [batchIndex, batch] of batches(urlCases, 25).entries()) {
    describe(`upstream URLs, batch ${batchIndex + 1}`, () => {
      it.each(batch)("refuses $url ($status) in an envelope", async ({ url, status, index }) => {
        const standInId = `${key}-http-${index}`;
        const envelope = fullSyncEnvelope({ affinity: key, body: STREAM, url, headers: { "x-stand-in-id": standInId } });
        const response = await relayFetch("/", { method: "POST", headers: clientHeaders(), body: JSON.stringify(envelope) });
        await expectRefused(await answerOf(response), status, standInId);
      });

      it.each(batch)("refuses $url ($status) in a request frame", async ({ url, status, index }) => {
        const standInId = `${key}-ws-${index}`;
        const id = `url-${index}`;
        socket().send(toFrame(fullSyncEnvelope({ affinity: key, body: STREAM, url, headers: { "x-stand-in-id": standInId } }), id));
        expect(errorFrameProblem(await socket().nextJson(), { status, id })).toBeNull();
        expect(await upstreamSeen(standInId)).toBeNull();
      });

      it("leaves the session working, over HTTP and its socket", async () => {
        await expectSessionWorks(key, conversation);
        await socket().ping();
      });
    });
  }

  describe("transparent-mode paths", () => {
    it.each(TRAVERSALS.map((path, index) => ({ path, index })))("keeps $path under UPSTREAM_URL's path, or refuses it", async ({ path, index }) => {
      const standInId = `${key}-path-${index}`;
      const answer = await rawHttp([
        `POST ${path} HTTP/1.1`, `host: ${new URL(ctx.relayUrl).host}`, `x-relay-token: ${ctx.relayToken}`,
        `x-session-affinity: ${key}`, `x-stand-in-id: ${standInId}`, "content-type: application/json",
      ], Buffer.from(STREAM));
      const seen = await upstreamSeen(standInId);
      if (seen === null) expect(relayErrorProblem(answer.status, answer.contentType, answer.text, "4xx")).toBeNull();
      else expect({ forwardedTo: seen.path, staysUnder: staysUnder(seen.path) }).toEqual({ forwardedTo: seen.path, staysUnder: true });
    });

    it("leaves the session working", async () => {
      await expectSessionWorks(key, conversation);
    });
  });

  describe("relay URLs", () => {
    it.each(RELAY_URLS.map(([name, status, send]) => ({ name, status, send })))("answers $name with $status", async ({ status, send }) => {
      await expectRefused(await send(), status, null);
    });

    it("leaves the session working, over HTTP and its socket", async () => {
      await expectSessionWorks(key, conversation);
      await socket().ping();
    });
  });
});
