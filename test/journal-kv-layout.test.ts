/**
 * The KV layout operators list with `wrangler kv key list --prefix`: `errors/<inverted ULID>` for every record and
 * `sessions/<segment>/errors/<inverted ULID>` per session, so that KV's ascending order is newest first; each value
 * the full record, each key's metadata its summary (within KV's 1024 bytes), each expiring ERROR_TTL_SECONDS after
 * the error. A session key with `/` or `:` is percent-encoded; one too long for a key is hashed.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CUT_MARK, type ErrorRecord } from "../src/records";
import { ERROR_TTL_SECONDS, journalStatuses, kvList, type KvKey, SUMMARY_FIELDS, summaryOf } from "./helpers/journal";
import { uniqueKey } from "./helpers/relay";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const METADATA_LIMIT_BYTES = 1024;
const KEY_LIMIT_BYTES = 512;
const encoder = new TextEncoder();

/** The documented inversion: each Crockford digit d becomes 31 - d, so ascending keys list newest first. */
function inverted(id: string): string {
  return [...id].map((char) => CROCKFORD[31 - CROCKFORD.indexOf(char)]).join("");
}

async function hashedSegment(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(key)));
  return `#${Array.from(digest.subarray(0, 16), (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

/** Journals one 5xx in session `key` and waits for it to reach KV; each call's record is strictly newer than the last. */
async function journalOne(key: string, status = 500, path?: string): Promise<ErrorRecord> {
  const [record] = await journalStatuses(key, [status], { path });
  if (!record) throw new Error("no record");
  return record;
}

function expectKeyHolds(entry: KvKey | undefined, record: ErrorRecord): void {
  if (!entry) throw new Error(`no KV key for ${record.id}`);
  expect(encoder.encode(entry.name).byteLength).toBeLessThanOrEqual(KEY_LIMIT_BYTES);
  expect(encoder.encode(JSON.stringify(entry.metadata)).byteLength).toBeLessThanOrEqual(METADATA_LIMIT_BYTES);
  const expiresAt = Date.parse(record.at) / 1000 + ERROR_TTL_SECONDS;
  expect(entry.expiration).toBeGreaterThanOrEqual(Math.floor(expiresAt) - 2);
  expect(entry.expiration).toBeLessThanOrEqual(Math.ceil(expiresAt) + 2);
}

describe("one record's keys", () => {
  it("is stored under errors/<inverted id> and sessions/<key>/errors/<inverted id>: record as value, summary as metadata", async () => {
    const key = uniqueKey("layout-one");
    const record = await journalOne(key, 502);
    const globalName = `errors/${inverted(record.id)}`;
    const sessionName = `sessions/${key}/errors/${inverted(record.id)}`;
    const keys = [...(await kvList("errors/")), ...(await kvList("sessions/"))].filter((entry) => entry.name.endsWith(inverted(record.id)));
    expect(keys.map((entry) => entry.name).sort()).toEqual([globalName, sessionName].sort());
    for (const name of [globalName, sessionName]) {
      const entry = keys.find((candidate) => candidate.name === name);
      expectKeyHolds(entry, record);
      expect(Object.keys(entry?.metadata ?? {}).sort()).toEqual(SUMMARY_FIELDS);
      expect(entry?.metadata).toEqual(summaryOf(record));
      expect(await env.RELAY_STATE.get(name, "json")).toEqual(record);
    }
  });
});

describe("newest first", () => {
  it("lists one session's records newest first under its prefix", async () => {
    const key = uniqueKey("layout-session");
    const made: ErrorRecord[] = [];
    for (const status of [500, 501, 502, 503]) made.push(await journalOne(key, status));
    const listed = await kvList(`sessions/${key}/errors/`);
    expect(listed.map((entry) => entry.metadata?.id)).toEqual(made.map((record) => record.id).reverse());
    expect(listed.map((entry) => entry.metadata?.status)).toEqual([503, 502, 501, 500]);
  });

  it("lists every session's records newest first under errors/", async () => {
    const first = uniqueKey("layout-a");
    const second = uniqueKey("layout-b");
    const third = uniqueKey("layout-c");
    const made: ErrorRecord[] = [];
    for (const key of [first, second, first, third, second]) made.push(await journalOne(key));
    const ids = new Set(made.map((record) => record.id));
    const listed = (await kvList("errors/")).filter((entry) => ids.has(entry.metadata?.id ?? ""));
    expect(listed.map((entry) => entry.metadata?.id)).toEqual(made.map((record) => record.id).reverse());
    const times = listed.map((entry) => Date.parse(entry.metadata?.at ?? ""));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect((await kvList(`sessions/${first}/errors/`)).map((entry) => entry.metadata?.id)).toEqual([made[2]?.id, made[0]?.id]);
  });
});

describe("session keys that could break the layout", () => {
  it("percent-encodes a key with / and : so that its prefix holds only its own records", async () => {
    const base = uniqueKey("layout-slash");
    const nested = `${base}/team:alpha`;
    const outer = await journalOne(base);
    const inner = await journalOne(nested, 503);
    const segment = encodeURIComponent(nested);
    expect(segment).toContain("%2F");
    expect(segment).toContain("%3A");
    const innerKeys = await kvList(`sessions/${segment}/errors/`);
    expect(innerKeys.map((entry) => entry.name)).toEqual([`sessions/${segment}/errors/${inverted(inner.id)}`]);
    expectKeyHolds(innerKeys[0], inner);
    expect(innerKeys[0]?.metadata?.affinity).toBe(nested);
    expect((await kvList(`sessions/${base}/errors/`)).map((entry) => entry.metadata?.id)).toEqual([outer.id]);
  });

  it("hashes a 256-character key into a segment that keeps the KV key under 512 bytes", async () => {
    const stem = uniqueKey("layout-long");
    const key = `${stem}${"/:%".repeat(86)}`.slice(0, 256);
    expect(key).toHaveLength(256);
    const record = await journalOne(key);
    expect(record.affinity).toBe(key);
    const prefix = `sessions/${await hashedSegment(key)}/errors/`;
    const keys = await kvList(prefix);
    expect(keys.map((entry) => entry.name)).toEqual([`${prefix}${inverted(record.id)}`]);
    expectKeyHolds(keys[0], record);
    expect(await env.RELAY_STATE.get(keys[0]?.name ?? "", "json")).toEqual(record);
    const global = (await kvList("errors/")).find((entry) => entry.metadata?.id === record.id);
    expectKeyHolds(global, record);
  });
});

describe("metadata within 1024 bytes", () => {
  it("shortens a long URL and key in the metadata, and keeps them whole in the record", async () => {
    const key = `${uniqueKey("layout-meta")}-${"k".repeat(200)}`.slice(0, 256);
    const path = `/v1/messages?${"q=".padEnd(3000, "z")}`;
    const record = await journalOne(key, 500, path);
    expect(record.upstreamUrl.endsWith("z".repeat(100))).toBe(true);
    const entries = (await kvList("")).filter((entry) => entry.metadata?.id === record.id);
    expect(entries).toHaveLength(2);
    for (const entry of entries) {
      expectKeyHolds(entry, record);
      expect(entry.metadata?.upstreamUrl.length).toBeLessThan(record.upstreamUrl.length);
      expect(entry.metadata?.cut).toBe(true);
      expect(record.upstreamUrl.startsWith((entry.metadata?.upstreamUrl ?? "").slice(0, -CUT_MARK.length))).toBe(true);
      expect(await env.RELAY_STATE.get(entry.name, "json")).toEqual(record);
    }
  });
});
