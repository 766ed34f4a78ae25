/**
 * Credentials never reach the journal: not in records (SQLite, KV values, KV metadata), not in the forensics API's
 * answers, not in logs. Canary values go out as credential headers the upstream then echoes in its error body,
 * in the request URL, as the upstream's Set-Cookie, and as the relay and admin tokens; afterwards every store is
 * searched for each canary, and "[redacted]" stands where a value was.
 */
import { describe, expect, it } from "vitest";
import type { ErrorRecord, ErrorSummary, SessionInfo } from "../src/records";
import { fullSyncEnvelope, postEnvelope } from "./helpers/envelope";
import {
  adminJson,
  captureLogs,
  delivered,
  ERROR_BODY_PREVIEW_BYTES,
  journaled,
  kvDump,
  leaks,
  sqlDump,
  statusHeaders,
  tableNames,
  transparentRequest,
} from "./helpers/journal";
import { socketRequest } from "./helpers/journal-socket";
import { adminToken, relayToken, UPSTREAM, uniqueKey } from "./helpers/relay";
import { TestSocket } from "./helpers/socket";
import { fullSyncFrame } from "./helpers/ws-turns";

const API_KEY = "sk-ant-api03-canary-4d2e9b17";
const BEARER_TOKEN = "sk-ant-oat01-canary-8c51f0aa";
const COOKIE = "sessionid=cookie-canary-b7e3";
/** What the stand-in sends as `set-cookie: upstream-session=standin-cookie` with its default error body. */
const UPSTREAM_SET_COOKIE_VALUE = "standin-cookie";

function canaries(): string[] {
  return [API_KEY, BEARER_TOKEN, COOKIE, "cookie-canary-b7e3", UPSTREAM_SET_COOKIE_VALUE, relayToken(), adminToken()];
}

/** The credential headers a client sends for the upstream. */
const CREDENTIALS: Record<string, string> = {
  authorization: `Bearer ${BEARER_TOKEN}`,
  "x-api-key": API_KEY,
  cookie: COOKIE,
};

/** An upstream error body echoing every credential it was sent, plus both relay secrets. */
function echoBody(): string {
  return JSON.stringify({
    echo: { authorization: `Bearer ${BEARER_TOKEN}`, "x-api-key": API_KEY, cookie: COOKIE, relay: relayToken(), admin: adminToken() },
  });
}

const REDACTED_ECHO = JSON.stringify({
  echo: { authorization: "[redacted]", "x-api-key": "[redacted]", cookie: "[redacted]", relay: "[redacted]", admin: "[redacted]" },
});

/** Stand-in headers: a 500 whose body is exactly `body` (sent once, URI-encoded in a header). */
function echoHeaders(body: string, status = 500): Record<string, string> {
  return statusHeaders(status, {
    "x-stand-in-body-bytes": String(new TextEncoder().encode(body).byteLength),
    "x-stand-in-fill": encodeURIComponent(body),
    "x-stand-in-content-type": "application/json",
  });
}

/** Everything the forensics API says about session `key` and its records, as one text. */
async function forensicsDump(key: string, records: ErrorRecord[]): Promise<string> {
  const session = encodeURIComponent(key);
  const parts: unknown[] = [
    await adminJson<{ errors: ErrorSummary[] }>("/_relay/errors?limit=1000"),
    await adminJson<{ errors: ErrorSummary[] }>(`/_relay/errors?session=${session}`),
    await adminJson<SessionInfo>(`/_relay/sessions/${session}`),
    await adminJson<{ errors: ErrorRecord[] }>(`/_relay/sessions/${session}/errors?limit=100`),
  ];
  for (const record of records) parts.push(await adminJson<ErrorRecord>(`/_relay/errors/${record.id}`));
  return parts.map((part) => JSON.stringify(part)).join("\n");
}

/** Searches SQLite, KV, the forensics API and the captured logs for every canary; expects none. */
async function expectNoCanaryAnywhere(key: string, records: ErrorRecord[], logLines: string[]): Promise<void> {
  const tables = await tableNames(key);
  expect(tables).toEqual(expect.arrayContaining(["relay_journal", "relay_outbox", "relay_ignored", "relay_base", "relay_base_chunks"]));
  const stores = {
    sqlite: await sqlDump(key),
    kv: await kvDump(),
    forensics: await forensicsDump(key, records),
    logs: logLines.join("\n"),
  };
  expect(stores.sqlite).toContain("[redacted]");
  expect(stores.kv).toContain("[redacted]");
  expect(stores.logs).toContain("upstream_error");
  for (const [store, text] of Object.entries(stores)) expect(leaks(text, canaries()), `canaries found in ${store}`).toEqual([]);
}

describe("redaction", () => {
  it("transparent mode: echoed credentials, the URL, Set-Cookie and the relay secrets become [redacted]", async () => {
    const logs = captureLogs();
    try {
      const key = uniqueKey("redact-http");
      const echoed = await transparentRequest(key, { ...CREDENTIALS, ...echoHeaders(echoBody()) }, { path: `/v1/messages?key=${API_KEY}` });
      expect(await echoed.text()).toBe(echoBody());
      const withCookie = await transparentRequest(key, { ...CREDENTIALS, ...statusHeaders(500) });
      expect(withCookie.headers.get("set-cookie")).toContain(UPSTREAM_SET_COOKIE_VALUE);
      await withCookie.text();
      const records = await delivered(key, 2);
      const [cookieRecord, echoRecord] = records;
      expect(echoRecord?.body).toBe(REDACTED_ECHO);
      expect(echoRecord?.upstreamUrl).toBe(`${UPSTREAM}/v1/messages?key=[redacted]`);
      expect(cookieRecord?.headers["set-cookie"]).toBe("[redacted]");
      await expectNoCanaryAnywhere(key, records, logs.lines);
    } finally {
      logs.restore();
    }
  });

  it("protocol 1: credentials in the envelope's upstream headers are scrubbed from what the upstream echoes", async () => {
    const logs = captureLogs();
    try {
      const key = uniqueKey("redact-p1");
      const headers = { ...CREDENTIALS, ...echoHeaders(echoBody(), 401) };
      const envelope = await fullSyncEnvelope({ affinity: key, body: "{}", upstream: { url: `${UPSTREAM}/v1/messages`, headers } });
      const response = await postEnvelope(envelope);
      expect(response.status).toBe(401);
      await response.text();
      const withCookie = await postEnvelope(
        await fullSyncEnvelope({ affinity: key, body: "{}", revision: 2, upstream: { headers: { ...CREDENTIALS, ...statusHeaders(500) } } }),
      );
      await withCookie.text();
      const records = await delivered(key, 2);
      expect(records[1]?.body).toBe(REDACTED_ECHO);
      expect(records[0]?.headers["set-cookie"]).toBe("[redacted]");
      await expectNoCanaryAnywhere(key, records, logs.lines);
    } finally {
      logs.restore();
    }
  });

  it("protocol 2: the same, with the relay token passed as the upgrade's query parameter", async () => {
    const logs = captureLogs();
    try {
      const key = uniqueKey("redact-p2");
      const socket = await TestSocket.open(key, { via: "query" });
      try {
        expect((await socket.nextText()).type).toBe("ready");
        const url = `${UPSTREAM}/v1/messages?key=${API_KEY}`;
        const frame = await fullSyncFrame({ id: "e1", affinity: key, body: "{}", upstream: { url, headers: { ...CREDENTIALS, ...echoHeaders(echoBody(), 529) } } });
        const outcome = await socketRequest(socket, frame);
        expect(outcome.start?.status).toBe(529);
        const cookie = await fullSyncFrame({ id: "e2", affinity: key, body: "{}", revision: 2, upstream: { headers: { ...CREDENTIALS, ...statusHeaders(500) } } });
        await socketRequest(socket, cookie);
      } finally {
        socket.close();
      }
      const records = await delivered(key, 2);
      expect(records[1]?.body).toBe(REDACTED_ECHO);
      expect(records[1]?.upstreamUrl).toBe(`${UPSTREAM}/v1/messages?key=[redacted]`);
      expect(records[0]?.headers["set-cookie"]).toBe("[redacted]");
      await expectNoCanaryAnywhere(key, records, logs.lines);
    } finally {
      logs.restore();
    }
  });

  it("scrubs every occurrence of a credential repeated through a long body", async () => {
    const key = uniqueKey("redact-repeat");
    // 200 copies of "<api key>," in one body: many chunks, many occurrences, none may survive.
    const unit = `${API_KEY},`;
    const response = await transparentRequest(key, {
      ...CREDENTIALS,
      ...statusHeaders(500, { "x-stand-in-body-bytes": String(unit.length * 200), "x-stand-in-fill": encodeURIComponent(unit) }),
    });
    await response.text();
    const [record] = await journaled(key);
    expect(record?.body).toBe("[redacted],".repeat(200));
  });
});

describe("a secret cut by the preview limit", () => {
  it("leaves no fragment of the secret at the end of the preview", async () => {
    const key = uniqueKey("redact-cut");
    // Each 129-byte unit is 101 "x" then the 28-character key; 51200 = 129 × 396 + 116, so the preview ends with
    // the first 15 characters of one copy of the key.
    const unit = `${"x".repeat(101)}${API_KEY}`;
    expect(unit.length).toBe(129);
    const fragment = API_KEY.slice(0, 15);
    const response = await transparentRequest(key, {
      ...CREDENTIALS,
      ...statusHeaders(500, { "x-stand-in-body-bytes": String(unit.length * 500), "x-stand-in-fill": encodeURIComponent(unit) }),
    });
    await response.text();
    const [record] = await journaled(key);
    const body = record?.body ?? "";
    expect(body.length).toBeLessThanOrEqual(ERROR_BODY_PREVIEW_BYTES);
    expect(body).not.toContain(API_KEY);
    expect(body.endsWith(fragment), `the preview ends with ${JSON.stringify(fragment)}, part of the x-api-key value`).toBe(false);
  });
});
