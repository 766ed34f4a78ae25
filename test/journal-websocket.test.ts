/**
 * Requests over a protocol-2 socket are journaled one by one, each record carrying its own request's id (the one
 * its `accepted` frame announced), with ignored statuses counted and a client's cancel not taken for an upstream error.
 */
import { describe, expect, it } from "vitest";
import { OVERLOADED_EVENT } from "../tools/stand-in/messages.js";
import { delivered, journaled, sessionInfo, statusHeaders, transparentRequest } from "./helpers/journal";
import { socketRequest } from "./helpers/journal-socket";
import { UPSTREAM, uniqueKey } from "./helpers/relay";
import { TestSocket } from "./helpers/socket";
import { fullSyncFrame } from "./helpers/ws-turns";

const MESSAGES_URL = `${UPSTREAM}/v1/messages`;

async function openSocket(key: string): Promise<TestSocket> {
  const socket = await TestSocket.open(key);
  expect((await socket.nextText()).type).toBe("ready");
  return socket;
}

describe("several requests on one socket", () => {
  it("journals each failing request with its own accepted requestId, counts ignored ones, skips successes", async () => {
    const key = uniqueKey("ws-many");
    const socket = await openSocket(key);
    const steps: Array<{ id: string; headers: Record<string, string> }> = [
      { id: "a", headers: statusHeaders(500) },
      { id: "b", headers: {} },
      { id: "c", headers: { "x-stand-in-scenario": "sse-error", "x-stand-in-deltas": "1" } },
      { id: "d", headers: statusHeaders(429) },
      { id: "e", headers: statusHeaders(502) },
    ];
    const requestIds = new Map<string, unknown>();
    try {
      let revision = 1;
      for (const step of steps) {
        const frame = await fullSyncFrame({ id: step.id, affinity: key, body: `{"n":${revision}}`, revision, upstream: { url: MESSAGES_URL, headers: step.headers } });
        revision += 1;
        const outcome = await socketRequest(socket, frame);
        expect(outcome.end).toEqual({ protocol: 2, type: "done", id: step.id });
        if (step.id === "c") expect(new TextDecoder().decode(outcome.body).endsWith(OVERLOADED_EVENT)).toBe(true);
        requestIds.set(step.id, outcome.accepted.requestId);
      }
    } finally {
      socket.close();
    }
    expect(new Set(requestIds.values()).size).toBe(steps.length);
    const records = await delivered(key, 3);
    expect(records.map((record) => [record.requestId, record.kind, record.status])).toEqual([
      [requestIds.get("e"), "upstream_status", 502],
      [requestIds.get("c"), "stream_event", 200],
      [requestIds.get("a"), "upstream_status", 500],
    ]);
    for (const record of records) expect(record).toMatchObject({ transport: "websocket", protocol: 2, affinity: key });
    const info = await sessionInfo(key);
    expect(info.errors).toBe(3);
    expect(info.ignored).toEqual({ "429": 1 });
  });

  it("journals the same session's requests whichever transport they came by", async () => {
    const key = uniqueKey("ws-mixed");
    const socket = await openSocket(key);
    try {
      await socketRequest(socket, await fullSyncFrame({ id: "x", affinity: key, body: "{}", upstream: { url: MESSAGES_URL, headers: statusHeaders(503) } }));
    } finally {
      socket.close();
    }
    await journaled(key, 1);
    const response = await transparentRequest(key, statusHeaders(500));
    await response.text();
    const records = await journaled(key, 2);
    expect(records.map((record) => [record.transport, record.protocol, record.status])).toEqual([
      ["http", "transparent", 500],
      ["websocket", 2, 503],
    ]);
  });
});

describe("a cancelled request", () => {
  it("is not journaled: the client cancelled it, the upstream did not fail", async () => {
    const key = uniqueKey("ws-cancel");
    const socket = await openSocket(key);
    try {
      const frame = await fullSyncFrame({ id: "slow", affinity: key, body: "{}", upstream: { url: MESSAGES_URL, headers: { "x-stand-in-scenario": "hang" } } });
      socket.send(frame);
      expect(await socket.nextText()).toMatchObject({ type: "accepted", id: "slow" });
      socket.send({ protocol: 2, type: "cancel", id: "slow" });
      expect(await socket.nextText()).toMatchObject({ type: "error", id: "slow", status: 499 });
      // The sentinel: journaled after anything the cancelled request could have left.
      await socketRequest(socket, await fullSyncFrame({ id: "after", affinity: key, body: "{}", revision: 2, upstream: { url: MESSAGES_URL, headers: statusHeaders(500) } }));
    } finally {
      socket.close();
    }
    const records = await delivered(key, 1);
    expect(records.map((record) => record.status)).toEqual([500]);
    expect((await sessionInfo(key)).errors).toBe(1);
  });
});
