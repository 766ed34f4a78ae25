/** The affinity key picks the session's object: validated, stable per key, never shared between keys. */
import { env } from "cloudflare:workers";
import { listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { isValidAffinity, parseAffinity } from "../src/affinity";
import { RelayError } from "../src/errors";
import { fullSyncEnvelope, patchEnvelope, postEnvelope, sha256Of } from "./helpers/envelope";
import { expectNamesField, expectRelayError } from "./helpers/errors";
import { clientHeaders, relayFetch, uniqueKey, upstreamSeen } from "./helpers/relay";
import { storedBase } from "./helpers/storage";

const VALID = ["a", "!", "~", "x".repeat(256), "sess:01J/abc?d=e&f#g", "\x21\x7e"];
const INVALID: [string, string][] = [
  ["empty", ""],
  ["257 characters", "x".repeat(257)],
  ["a space", "a b"],
  ["non-ASCII", "sessión"],
  ["an emoji", "s🚀"],
  ["a tab", "a\tb"],
  ["a NUL", "a\x00b"],
  ["DEL", "a\x7fb"],
];

describe("affinity key validation (pure)", () => {
  it.each(VALID)("accepts %j", (key) => {
    expect(isValidAffinity(key)).toBe(true);
    expect(parseAffinity(key, "src")).toBe(key);
  });

  it.each(INVALID)("refuses %s, naming the source", (_label, key) => {
    expect(isValidAffinity(key)).toBe(false);
    let thrown: unknown = null;
    try {
      parseAffinity(key, "the affinity query parameter");
    } catch (error) {
      thrown = error;
    }
    if (!(thrown instanceof RelayError)) throw new Error("parseAffinity did not throw a RelayError");
    expect(thrown.status).toBe(400);
    expectNamesField(thrown.message, "the affinity query parameter");
  });

  it("treats an absent key as no key", () => {
    expect(parseAffinity(null, "src")).toBeNull();
    expect(parseAffinity(undefined, "src")).toBeNull();
  });
});

describe("affinity key over the wire", () => {
  // A tab, NUL or non-Latin-1 character cannot travel in a header at all; these can.
  it.each([
    ["empty", ""],
    ["257 characters", "x".repeat(257)],
    ["a space", "a b"],
    ["Latin-1 non-ASCII", "sessi\u00f3n"],
    ["a tab", "a\tb"],
  ])("refuses x-session-affinity with %s: 400 naming the header, nothing sent", async (_label, key) => {
    const id = uniqueKey("bad-header-key");
    const response = await relayFetch("/v1/messages", {
      method: "POST",
      headers: clientHeaders({ "x-session-affinity": key, "x-stand-in-id": id }),
      body: "{}",
    });
    expectNamesField(await expectRelayError(response, 400, "invalid_request"), "x-session-affinity");
    expect(await upstreamSeen(id)).toBeNull();
  });

  it.each(INVALID)("refuses an envelope affinity with %s: 400 naming the field, nothing sent", async (_label, key) => {
    const id = uniqueKey("bad-envelope-key");
    const envelope = await fullSyncEnvelope({ affinity: key, body: "{}", upstream: { headers: { "x-stand-in-id": id } } });
    expectNamesField(await expectRelayError(await postEnvelope(envelope), 400, "invalid_request"), "affinity");
    expect(await upstreamSeen(id)).toBeNull();
  });

  it("accepts a 256-character key over both HTTP transports", async () => {
    const key = `${uniqueKey("long")}-`.padEnd(256, "k");
    const transparent = await relayFetch("/v1/messages", {
      method: "POST",
      headers: clientHeaders({ "x-session-affinity": key }),
      body: "{}",
    });
    expect(transparent.status).toBe(200);
    await transparent.arrayBuffer();
    const envelope = await postEnvelope(await fullSyncEnvelope({ affinity: key, body: "{}" }));
    expect(envelope.status).toBe(200);
    await envelope.arrayBuffer();
  });
});

describe("routing by key", () => {
  it("sends the same key to the same object: full_sync, then a patch on it, and ctx.id.name is the key", async () => {
    const key = uniqueKey("same");
    const first = await postEnvelope(await fullSyncEnvelope({ affinity: key, body: "hello" }));
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    const patch = { start: 5, deleteCount: 0, insert: " world" };
    const second = await postEnvelope(await patchEnvelope({ affinity: key, base: "hello", patch, expected: "hello world" }));
    expect(second.status).toBe(200);
    await second.arrayBuffer();
    const stub = env.SESSIONS.get(env.SESSIONS.idFromName(key));
    expect(await runInDurableObject(stub, (_instance, state) => state.id.name)).toBe(key);
    expect(await storedBase(key)).toMatchObject({ name: key, hash: await sha256Of("hello world"), revision: 2 });
  });

  it("never shares state between keys: a patch on key B against key A's base is 409, nothing sent", async () => {
    const keyA = uniqueKey("key-a");
    const keyB = uniqueKey("key-b");
    const synced = await postEnvelope(await fullSyncEnvelope({ affinity: keyA, body: "base of A" }));
    expect(synced.status).toBe(200);
    await synced.arrayBuffer();
    const envelope = await patchEnvelope({
      affinity: keyB,
      base: "base of A",
      patch: { start: 0, deleteCount: 4, insert: "BASE" },
      expected: "BASE of A",
      upstream: { headers: { "x-stand-in-id": keyB } },
    });
    await expectRelayError(await postEnvelope(envelope), 409, "state_mismatch");
    expect(await upstreamSeen(keyB)).toBeNull();
    expect(await storedBase(keyB)).toBeNull();
  });

  it("relays a transparent request without a key, in a one-off object that has no name", async () => {
    const id = uniqueKey("keyless");
    const before = new Set((await listDurableObjectIds(env.SESSIONS)).map((each) => each.toString()));
    const response = await relayFetch("/v1/messages", {
      method: "POST",
      headers: clientHeaders({ "x-stand-in-id": id, "x-stand-in-scenario": "echo" }),
      body: "{}",
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(await upstreamSeen(id)).toMatchObject({ method: "POST", path: "/v1/messages", finished: true });
    const created = (await listDurableObjectIds(env.SESSIONS)).filter((each) => !before.has(each.toString()));
    expect(created).toHaveLength(1);
    expect(created[0]?.name).toBeUndefined();
  });
});
