/**
 * Malformed and misplaced headers, generated from tables: affinity keys that are too long, not ASCII or carry
 * control characters (sent raw where fetch would refuse), and relay/admin tokens that are absent, empty, wrong,
 * duplicated or in the wrong header, on every route that takes one. Each is refused with the contract's error
 * (400 or 401), nothing reaches the upstream, and after each batch the same session still works.
 */
import { describe, expect, it } from "vitest";
import { clientHeaders, ctx, relayFetch, transparent, uniqueKey } from "./helpers/context.js";
import { fullSyncEnvelope } from "./helpers/envelopes.js";
import { type Answer, answerOf, batches, expectRefused, rawHttp } from "./helpers/refusals.js";
import { expectSessionWorks } from "./helpers/sessions.js";
import { UpgradeRefused, WsClient } from "./helpers/ws-client.js";

interface HeaderCase {
  index: number;
  name: string;
  status: number;
  /** Sends the request; `standInId` rides along where the request could reach the upstream. */
  send: (standInId: string) => Promise<Answer>;
  reachesUpstream: boolean;
}

type Route = "transparent" | "envelope" | "websocket" | "forensics";
const key = uniqueKey("bad-headers");
const STREAM = JSON.stringify({ model: "stand-in-model", stream: true, messages: [] });

/** Authenticated client headers without the relay token, plus `extra` (a Headers, so a name can repeat). */
function headersWith(extra: ReadonlyArray<[string, string]>, base: Record<string, string> = clientHeaders()): Headers {
  const headers = new Headers(base);
  headers.delete("x-relay-token");
  for (const [name, value] of extra) headers.append(name, value);
  return headers;
}

async function sendOn(route: Route, extra: ReadonlyArray<[string, string]>, standInId: string, query = ""): Promise<Answer> {
  if (route === "transparent") {
    const headers = headersWith([["x-session-affinity", key], ["x-stand-in-id", standInId], ...extra]);
    return answerOf(await relayFetch(`/v1/messages${query}`, { method: "POST", headers, body: STREAM }));
  }
  if (route === "envelope") {
    const body = JSON.stringify(fullSyncEnvelope({ affinity: key, body: STREAM, headers: { "x-stand-in-id": standInId } }));
    return answerOf(await relayFetch(`/${query}`, { method: "POST", headers: headersWith(extra), body }));
  }
  if (route === "forensics") {
    const headers = new Headers();
    for (const [name, value] of extra) headers.append(name, value);
    return answerOf(await relayFetch(`/_relay/errors${query}`, { headers }));
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of extra) headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  try {
    (await WsClient.connect(`affinity=${encodeURIComponent(key)}${query.replace("?", "&")}`, headers)).close();
    return { status: 101, contentType: null, text: "the upgrade was accepted" };
  } catch (error) {
    if (error instanceof UpgradeRefused) return { status: error.status, contentType: error.contentType, text: error.body };
    throw error;
  }
}

/** Token cases for the relay token (client routes) and the admin token (forensics). */
function tokenCases(): Omit<HeaderCase, "index">[] {
  const cases: Omit<HeaderCase, "index">[] = [];
  for (const route of ["transparent", "envelope", "websocket", "forensics"] satisfies Route[]) {
    const own = route === "forensics" ? "x-relay-admin-token" : "x-relay-token";
    const token = route === "forensics" ? ctx.adminToken : ctx.relayToken;
    const other = route === "forensics" ? ctx.relayToken : ctx.adminToken;
    const add = (name: string, extra: ReadonlyArray<[string, string]>, query = ""): void => {
      cases.push({ name: `${route}: ${name}`, status: 401, reachesUpstream: route === "transparent" || route === "envelope", send: (id) => sendOn(route, extra, id, query) });
    };
    add("no token", []);
    add("an empty token", [[own, ""]]);
    add("a wrong token", [[own, "not-the-token"]]);
    add("the token upper-cased", [[own, token.toUpperCase()]]);
    add("the token with a character more", [[own, `${token}x`]]);
    add("the token without its last character", [[own, token.slice(0, -1)]]);
    add("the token with a space inside", [[own, `${token.slice(0, 8)} ${token.slice(8)}`]]);
    add("the other secret", [[own, other]]);
    add("the token twice in one header", [[own, `${token}, ${token}`]]);
    add("the token, then a wrong one", [[own, token], [own, "wrong"]]);
    add("the token as authorization: Bearer", [["authorization", `Bearer ${token}`]]);
    add("the token as x-api-key", [["x-api-key", token]]);
    add("the token in a cookie", [["cookie", `${own}=${token}`]]);
    add(`the token in ${route === "forensics" ? "x-relay-token" : "x-relay-admin-token"}`, [[route === "forensics" ? "x-relay-token" : "x-relay-admin-token", token]]);
    if (route !== "websocket") add("the token as a token query parameter", [], `?token=${encodeURIComponent(token)}`);
    else add("a wrong header token before a right query token", [[own, "wrong"]], `?token=${encodeURIComponent(token)}`);
  }
  return cases;
}

/** Affinity keys the relay must refuse (x-session-affinity), sent through fetch or byte for byte. */
function affinityCases(): Omit<HeaderCase, "index">[] {
  const viaFetch = (name: string, value: string): Omit<HeaderCase, "index"> => ({
    name: `affinity ${name}`, status: 400, reachesUpstream: true,
    send: async (id) => answerOf(await transparent(null, { "x-session-affinity": value, "x-stand-in-id": id })),
  });
  const raw = (name: string, value: Buffer, extraLines: string[] = []): Omit<HeaderCase, "index"> => ({
    name: `affinity ${name} (raw)`, status: 400, reachesUpstream: true,
    send: (id) => rawHttp([
      "POST /v1/messages HTTP/1.1", `host: ${new URL(ctx.relayUrl).host}`, `x-relay-token: ${ctx.relayToken}`,
      "content-type: application/json", `x-stand-in-id: ${id}`, Buffer.concat([Buffer.from("x-session-affinity: "), value]), ...extraLines,
    ], Buffer.from(STREAM)),
  });
  const bytes = (text: string, encoding: BufferEncoding = "latin1"): Buffer => Buffer.from(text, encoding);
  return [
    viaFetch("of 257 characters", "k".repeat(257)),
    viaFetch("of 1000 characters", "k".repeat(1000)),
    viaFetch("of 8000 characters", "k".repeat(8000)),
    viaFetch("that is empty", ""),
    viaFetch("with a space", "a b"),
    viaFetch("with Latin-1 letters", "café"),
    raw("with a tab", bytes("a\tb")),
    raw("with 0x01", bytes("a\u0001b")),
    raw("with ESC", bytes("a\u001bb")),
    raw("with DEL", bytes("a\u007fb")),
    raw("with 0x80", bytes("a\u0080b")),
    raw("in UTF-8", bytes("café", "utf8")),
    raw("in UTF-8, CJK", bytes("日本", "utf8")),
    raw("given twice", bytes(key), [`x-session-affinity: ${key}`]),
    raw("given twice, differently", bytes(key), ["x-session-affinity: another"]),
  ];
}

const CASES: HeaderCase[] = [...affinityCases(), ...tokenCases()].map((headerCase, index) => ({ ...headerCase, index }));

describe("malformed and misplaced headers", () => {
  it("generates at least 60 cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
  });

  for (const [batchIndex, batch] of batches(CASES, 20).entries()) {
    describe(`batch ${batchIndex + 1}`, () => {
      it.each(batch)("refuses $name ($status)", async (headerCase) => {
        const standInId = `${key}-case-${headerCase.index}`;
        await expectRefused(await headerCase.send(standInId), headerCase.status, headerCase.reachesUpstream ? standInId : null);
      });

      it("leaves the session working, over HTTP and a socket", async () => {
        await expectSessionWorks(key);
        const { client } = await WsClient.openReady(key);
        await client.ping();
        client.close();
      });
    });
  }
});
