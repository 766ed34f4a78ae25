/** `GET /_relay/errors/<id>`: the full record from KV, equal to what the session stored; 404 when there is none. */
import { describe, expect, it } from "vitest";
import type { ErrorRecord } from "../src/records";
import { expectRelayError } from "./helpers/errors";
import { adminFetch, adminJson, delivered, recordByRequestId, statusHeaders, transparentRequest } from "./helpers/journal";
import { socketRequest } from "./helpers/journal-socket";
import { UPSTREAM, uniqueKey } from "./helpers/relay";
import { TestSocket } from "./helpers/socket";
import { fullSyncFrame } from "./helpers/ws-turns";

describe("one record by id", () => {
  it("answers the full record, equal to the one the session stored", async () => {
    const key = uniqueKey("record-http");
    const response = await transparentRequest(key, statusHeaders(500));
    await response.text();
    const [stored] = await delivered(key);
    if (!stored) throw new Error("no record");
    const answer = await adminFetch(`/_relay/errors/${stored.id}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await answer.json()).toEqual(stored);
  });

  it("answers a protocol-2 record and a record without a session alike", async () => {
    const key = uniqueKey("record-ws");
    const socket = await TestSocket.open(key);
    try {
      expect((await socket.nextText()).type).toBe("ready");
      const frame = await fullSyncFrame({ id: "r", affinity: key, body: "{}", upstream: { url: `${UPSTREAM}/v1/messages`, headers: { "x-stand-in-scenario": "sse-error" } } });
      await socketRequest(socket, frame);
    } finally {
      socket.close();
    }
    const [stored] = await delivered(key);
    expect(await adminJson<ErrorRecord>(`/_relay/errors/${stored?.id ?? ""}`)).toEqual(stored);

    const anonymous = await transparentRequest(null, statusHeaders(503));
    await anonymous.text();
    const record = await recordByRequestId(anonymous.headers.get("x-relay-request-id") ?? "");
    expect(await adminJson<ErrorRecord>(`/_relay/errors/${record.id}`)).toEqual(record);
    expect(record.affinity).toBeNull();
  });

  it("answers 404 not_found for an id that no record has", async () => {
    const key = uniqueKey("record-missing");
    const response = await transparentRequest(key, statusHeaders(500));
    await response.text();
    const [stored] = await delivered(key);
    if (!stored) throw new Error("no record");
    // The same time part, another random part: a well-formed id of no record.
    const other = `${stored.id.slice(0, 10)}${(stored.id.endsWith("Z") ? "Y" : "Z").repeat(16)}`;
    expect(other).not.toBe(stored.id);
    await expectRelayError(await adminFetch(`/_relay/errors/${other}`), 404, "not_found");
  });
});
