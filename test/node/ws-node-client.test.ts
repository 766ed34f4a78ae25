/**
 * Protocol 2 end to end with a Node `ws` client through `wrangler dev`: the old clients' query-token auth, a
 * cancel that reaches the real upstream, and a bad frame that leaves the socket working.
 */
import type { IncomingMessage } from "node:http";
import { describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { messageEvents } from "../../tools/stand-in/messages.js";
import { fullSyncText, NodeFrameReader } from "../helpers/node-socket.js";

const { relayUrl, upstreamUrl, relayToken } = inject("e2e");
const messagesUrl = `${upstreamUrl}/v1/messages`;

let counter = 0;
function uniqueKey(label: string): string {
  counter += 1;
  return `e2e-${label}-${Date.now().toString(36)}-${counter}`;
}

function socketUrl(key: string, token?: string): string {
  const query = token === undefined ? "" : `&token=${encodeURIComponent(token)}`;
  return `${relayUrl.replace(/^http/, "ws")}/ws?affinity=${encodeURIComponent(key)}${query}`;
}

/** Opens a socket; the reader exists before the first frame can arrive. */
async function open(url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; reader: NodeFrameReader }> {
  const ws = new WebSocket(url, { headers });
  const reader = new NodeFrameReader(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return { ws, reader };
}

/** Attempts an upgrade that must be refused: the HTTP status and body the relay answered with. */
function refusedUpgrade(url: string): Promise<{ status: number; body: string }> {
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    ws.once("open", () => reject(new Error("the upgrade was accepted")));
    ws.once("error", () => {}); // ws reports the refusal as an error too, after unexpected-response
    ws.once("unexpected-response", (_request, response: IncomingMessage) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
  });
}

async function standInRecord(id: string): Promise<{ aborted: boolean; finished: boolean } | null> {
  const response = await fetch(`${upstreamUrl}/__stand-in/requests/${encodeURIComponent(id)}`);
  if (response.status === 404) return null;
  const record: unknown = await response.json();
  if (typeof record !== "object" || record === null || !("aborted" in record) || !("finished" in record)) return null;
  return { aborted: record.aborted === true, finished: record.finished === true };
}

const streamBody = (label: string): string => JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: label }] });

describe("protocol 2 through wrangler dev, Node ws client", () => {
  it("authenticates with the token query parameter, and refuses a wrong one with 401 JSON", async () => {
    const key = uniqueKey("query-token");
    const { ws, reader } = await open(socketUrl(key, relayToken));
    expect(await reader.nextText()).toEqual({ protocol: 2, type: "ready", state: null });
    ws.send(JSON.stringify({ protocol: 2, type: "ping" }));
    expect(await reader.nextText()).toEqual({ protocol: 2, type: "pong" });
    ws.close(1000);

    const refused = await refusedUpgrade(socketUrl(uniqueKey("query-token-wrong"), `${relayToken}-wrong`));
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toMatchObject({ type: "error", error: { type: "authentication_error" } });
  });

  it("cancels a streaming request: error 499 to the client, and the upstream request aborted", async () => {
    const key = uniqueKey("cancel");
    const standInId = `${key}-hang`;
    const { ws, reader } = await open(socketUrl(key), { "x-relay-token": relayToken });
    await reader.nextText();
    ws.send(
      await fullSyncText({
        id: "c1",
        url: messagesUrl,
        body: streamBody(key),
        headers: { "x-stand-in-scenario": "hang-body", "x-stand-in-id": standInId },
      }),
    );
    expect(await reader.nextText()).toMatchObject({ type: "accepted", id: "c1" });
    expect(await reader.nextText()).toMatchObject({ type: "response_start", id: "c1", status: 200 });
    expect((await reader.next()).kind).toBe("binary");
    ws.send(JSON.stringify({ protocol: 2, type: "cancel", id: "c1" }));

    const { end } = await reader.readBody();
    expect(end).toEqual({ protocol: 2, type: "error", id: "c1", status: 499, message: expect.any(String) });
    for (let record = await standInRecord(standInId); !record?.aborted; record = await standInRecord(standInId)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await standInRecord(standInId))?.finished).toBe(false);
    ws.close(1000);
  });

  it("answers a bad frame with an error without id, then serves the next request byte for byte", async () => {
    const key = uniqueKey("bad-frame");
    const { ws, reader } = await open(socketUrl(key), { "x-relay-token": relayToken });
    await reader.nextText();
    ws.send("{not json");
    expect(await reader.nextText()).toEqual({ protocol: 2, type: "error", status: 400, message: expect.any(String) });
    ws.send(Buffer.from("binary is not a request"));
    expect(await reader.nextText()).toEqual({ protocol: 2, type: "error", status: 400, message: expect.any(String) });

    ws.send(await fullSyncText({ id: "ok", url: messagesUrl, body: streamBody(key) }));
    expect(await reader.nextText()).toMatchObject({ type: "accepted", id: "ok" });
    expect(await reader.nextText()).toMatchObject({ type: "response_start", id: "ok", status: 200 });
    const { body, end } = await reader.readBody();
    expect(Buffer.from(body).toString("utf8")).toBe(messageEvents().join(""));
    expect(end).toEqual({ protocol: 2, type: "done", id: "ok" });
    ws.close(1000);
  });
});
