/**
 * A session's forensics, from its own object: `GET /_relay/sessions/<key>` (the stored base, the error count,
 * the ignored counts) and `GET /_relay/sessions/<key>/errors?limit=` (its journal, newest first).
 */
import { describe, expect, it } from "vitest";
import type { ErrorRecord, SessionInfo } from "../src/records";
import { fullSyncEnvelope, postEnvelope, sha256Of } from "./helpers/envelope";
import { expectRelayError } from "./helpers/errors";
import { adminFetch, adminJson, journalStatuses, statusHeaders, transparentRequest } from "./helpers/journal";
import { UPSTREAM, uniqueKey } from "./helpers/relay";

function infoPath(key: string): string {
  return `/_relay/sessions/${encodeURIComponent(key)}`;
}

function errorsPath(key: string, limit?: number): string {
  return `${infoPath(key)}/errors${limit === undefined ? "" : `?limit=${limit}`}`;
}

describe("session info", () => {
  it("shows the base stored by a protocol-1 full_sync, the error count and the ignored counts", async () => {
    const key = uniqueKey("session-info");
    const body = JSON.stringify({ model: "m", messages: [{ role: "user", content: "héllo 🚀" }] });
    const envelope = await fullSyncEnvelope({ affinity: key, body, revision: 7, upstream: { url: `${UPSTREAM}/v1/messages`, headers: statusHeaders(500) } });
    const response = await postEnvelope(envelope);
    expect(response.status).toBe(500);
    await response.text();
    for (const status of [429, 429, 403]) {
      const ignored = await transparentRequest(key, statusHeaders(status));
      await ignored.text();
    }
    await journalStatuses(key, [500, 502]);
    const info = await adminJson<SessionInfo>(infoPath(key));
    expect(info).toMatchObject({
      affinity: key,
      state: { hash: await sha256Of(body), revision: 7, bytes: new TextEncoder().encode(body).byteLength },
      // The envelope's own 500, then two more.
      errors: 3,
      ignored: { "429": 2, "403": 1 },
    });
    expect(Object.keys(info.state ?? {}).sort()).toEqual(["bytes", "hash", "revision"]);
  });

  it("answers an unknown session with no state, no errors, nothing ignored", async () => {
    const key = uniqueKey("session-unknown");
    expect(await adminJson<SessionInfo>(infoPath(key))).toMatchObject({ affinity: key, state: null, errors: 0, ignored: {} });
  });

  it("finds sessions whose keys hold / and :, or are 256 characters long", async () => {
    const slashed = `${uniqueKey("session-odd")}/x:y`;
    const long = `${uniqueKey("session-long")}${"~".repeat(256)}`.slice(0, 256);
    for (const key of [slashed, long]) {
      const records = await journalStatuses(key, [500]);
      expect(await adminJson<SessionInfo>(infoPath(key))).toMatchObject({ affinity: key, errors: 1 });
      expect(await adminJson<{ errors: ErrorRecord[] }>(errorsPath(key))).toEqual({ errors: records });
    }
  });
});

describe("a session's journal", () => {
  it("answers the session's records, newest first, as stored", async () => {
    const key = uniqueKey("session-errors");
    await journalStatuses(uniqueKey("session-errors-other"), [500]);
    const records = await journalStatuses(key, [500, 501, 502, 503]);
    const answer = await adminFetch(errorsPath(key));
    expect(answer.status).toBe(200);
    const json = (await answer.json()) as { errors: ErrorRecord[] };
    expect(Object.keys(json)).toEqual(["errors"]);
    expect(json.errors).toEqual(records);
    expect(json.errors.map((record) => record.status)).toEqual([503, 502, 501, 500]);
  });

  it("answers the newest `limit` records", async () => {
    const key = uniqueKey("session-limit");
    const records = await journalStatuses(key, [500, 501, 502]);
    expect((await adminJson<{ errors: ErrorRecord[] }>(errorsPath(key, 2))).errors).toEqual(records.slice(0, 2));
    expect((await adminJson<{ errors: ErrorRecord[] }>(errorsPath(key, 1))).errors).toEqual(records.slice(0, 1));
    expect((await adminJson<{ errors: ErrorRecord[] }>(errorsPath(key, 100))).errors).toEqual(records);
  });

  it("answers 400 for a limit it cannot use", async () => {
    const key = uniqueKey("session-bad-limit");
    for (const limit of ["0", "-1", "abc", "101"]) {
      await expectRelayError(await adminFetch(`${infoPath(key)}/errors?limit=${limit}`), 400, "invalid_request");
    }
  });

  it("answers an empty journal for a session without errors", async () => {
    expect(await adminJson<{ errors: ErrorRecord[] }>(errorsPath(uniqueKey("session-empty")))).toEqual({ errors: [] });
  });
});
