/**
 * Protocol-1 patches through the relay: UTF-16 offsets into the stored base, one patch or an ordered list of
 * disjoint ranges, `sha256:` over UTF-8, 409 (nothing sent) on either hash mismatch, and the rebuilt body becomes
 * the session's new base with its revision.
 */
import { describe, expect, it } from "vitest";
import { fullSyncEnvelope, type PatchOp, patchEnvelope, postEnvelope, sha256Hex, sha256Of } from "./helpers/envelope";
import { expectNamesField, expectRelayError } from "./helpers/errors";
import { uniqueKey, upstreamSeen } from "./helpers/relay";
import { storedBase } from "./helpers/storage";

const encoder = new TextEncoder();
/** Emoji (surrogate pairs), CJK, a combining accent, a ZWJ sequence: every width of UTF-8 and UTF-16. */
const MULTI = "a🚀b 世界 cafe\u0301 👩‍💻 z";

/** Stores `base` in a fresh session with a full_sync; returns the key. */
async function sessionWith(base: string, label: string): Promise<string> {
  const key = uniqueKey(label);
  const response = await postEnvelope(await fullSyncEnvelope({ affinity: key, body: base, revision: 1 }));
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  return key;
}

/** Sends a patch and asserts the stand-in received exactly `expected`. */
async function expectPatchedTo(key: string, base: string, patch: PatchOp | PatchOp[], expected: string, revision = 2): Promise<void> {
  const id = uniqueKey("sent");
  const envelope = await patchEnvelope({ affinity: key, base, patch, expected, revision, upstream: { headers: { "x-stand-in-id": id } } });
  const response = await postEnvelope(envelope);
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  const seen = await upstreamSeen(id);
  expect(seen?.body).toBe(expected);
  expect(seen?.bodySha256).toBe(await sha256Hex(encoder.encode(expected)));
}

describe("applying patches", () => {
  it("applies a single patch object", async () => {
    const key = await sessionWith("Hello, world", "single");
    await expectPatchedTo(key, "Hello, world", { start: 7, deleteCount: 5, insert: "relay" }, "Hello, relay");
  });

  it("applies a list left to right, every range relative to the stored base", async () => {
    const key = await sessionWith("abcdefgh", "list");
    const patches = [
      { start: 0, deleteCount: 1, insert: "AA" },
      { start: 3, deleteCount: 2, insert: "" },
      { start: 5, deleteCount: 0, insert: "-" },
      { start: 8, deleteCount: 0, insert: "!" },
    ];
    await expectPatchedTo(key, "abcdefgh", patches, "AAbc-fgh!");
  });

  it("accepts adjacent ranges (one ends where the next starts)", async () => {
    const key = await sessionWith("0123456789", "adjacent");
    await expectPatchedTo(key, "0123456789", [{ start: 2, deleteCount: 3, insert: "x" }, { start: 5, deleteCount: 1, insert: "y" }], "01xy6789");
  });

  it("counts UTF-16 code units over emoji, CJK and combining characters, and rebuilds the exact bytes", async () => {
    const key = await sessionWith(MULTI, "utf16");
    const rocket = MULTI.indexOf("🚀");
    const world = MULTI.indexOf("世界");
    const accent = MULTI.indexOf("\u0301");
    const patches = [
      { start: rocket, deleteCount: 2, insert: "🛰️" },
      { start: world, deleteCount: 2, insert: "世界🌏" },
      { start: accent, deleteCount: 1, insert: "\u0300\u0327" },
    ];
    const expected = `${MULTI.slice(0, rocket)}🛰️${MULTI.slice(rocket + 2, world)}世界🌏${MULTI.slice(world + 2, accent)}\u0300\u0327${MULTI.slice(accent + 1)}`;
    expect(expected).toBe("a🛰️b 世界🌏 cafe\u0300\u0327 👩‍💻 z");
    await expectPatchedTo(key, MULTI, patches, expected);
  });

  it("makes the rebuilt body the new base: a second patch applies on top, and revision and hash are stored", async () => {
    const key = await sessionWith("one", "chain");
    expect(await storedBase(key)).toMatchObject({ hash: await sha256Of("one"), revision: 1, bytes: 3 });
    await expectPatchedTo(key, "one", { start: 3, deleteCount: 0, insert: " two" }, "one two", 2);
    expect(await storedBase(key)).toMatchObject({ hash: await sha256Of("one two"), revision: 2, bytes: 7 });
    await expectPatchedTo(key, "one two", { start: 0, deleteCount: 3, insert: "1️⃣" }, "1️⃣ two", 3);
    expect(await storedBase(key)).toMatchObject({ hash: await sha256Of("1️⃣ two"), revision: 3, bytes: encoder.encode("1️⃣ two").byteLength });
  });

  it("hashes full_sync bodies over UTF-8: a hash over UTF-16 bytes is a 409", async () => {
    const key = uniqueKey("utf8-hash");
    const body = "héllo 世界";
    const utf16 = new Uint8Array(body.length * 2);
    for (let index = 0; index < body.length; index += 1) {
      utf16[index * 2] = body.charCodeAt(index) & 0xff;
      utf16[index * 2 + 1] = body.charCodeAt(index) >> 8;
    }
    const wrong = await postEnvelope(await fullSyncEnvelope({ affinity: key, body, nextHash: `sha256:${await sha256Hex(utf16)}` }));
    await expectRelayError(wrong, 409, "state_mismatch");
    const right = await postEnvelope(await fullSyncEnvelope({ affinity: key, body }));
    expect(right.status).toBe(200);
    await right.arrayBuffer();
    expect(await storedBase(key)).toMatchObject({ hash: await sha256Of(body), bytes: encoder.encode(body).byteLength });
  });
});

describe("malformed patch lists: 400, nothing sent, base unchanged", () => {
  it.each([
    ["overlapping ranges", [{ start: 0, deleteCount: 3, insert: "" }, { start: 2, deleteCount: 1, insert: "" }], "patch[1]"],
    ["ranges out of order", [{ start: 4, deleteCount: 1, insert: "" }, { start: 1, deleteCount: 1, insert: "" }], "patch[1]"],
    ["a range past the end", [{ start: 5, deleteCount: 2, insert: "" }], "patch[0]"],
    ["a start past the end", [{ start: 7, deleteCount: 0, insert: "x" }], "patch[0]"],
  ])("refuses %s", async (_label, patch, field) => {
    const key = await sessionWith("abcdef", "malformed");
    const before = await storedBase(key);
    const id = uniqueKey("malformed-sent");
    const envelope = await patchEnvelope({ affinity: key, base: "abcdef", patch, expected: "abcdef", upstream: { headers: { "x-stand-in-id": id } } });
    expectNamesField(await expectRelayError(await postEnvelope(envelope), 400, "invalid_request"), field);
    expect(await upstreamSeen(id)).toBeNull();
    expect(await storedBase(key)).toEqual(before);
  });
});

describe("hash mismatches: 409 state_mismatch, nothing sent, base unchanged", () => {
  it("refuses a base_hash that is not the stored one", async () => {
    const key = await sessionWith("stored base", "base-mismatch");
    const before = await storedBase(key);
    const id = uniqueKey("base-mismatch-sent");
    const envelope = await patchEnvelope({
      affinity: key,
      base: "another base",
      patch: { start: 0, deleteCount: 0, insert: "x" },
      expected: "xstored base",
      upstream: { headers: { "x-stand-in-id": id } },
    });
    await expectRelayError(await postEnvelope(envelope), 409, "state_mismatch");
    expect(await upstreamSeen(id)).toBeNull();
    expect(await storedBase(key)).toEqual(before);
  });

  it("refuses a rebuilt body whose hash is not next_hash", async () => {
    const key = await sessionWith("stored base", "next-mismatch");
    const before = await storedBase(key);
    const id = uniqueKey("next-mismatch-sent");
    const envelope = await patchEnvelope({
      affinity: key,
      base: "stored base",
      patch: { start: 0, deleteCount: 6, insert: "kept" },
      expected: "what the client wrongly expects",
      upstream: { headers: { "x-stand-in-id": id } },
    });
    await expectRelayError(await postEnvelope(envelope), 409, "state_mismatch");
    expect(await upstreamSeen(id)).toBeNull();
    expect(await storedBase(key)).toEqual(before);
  });

  it("refuses a full_sync whose body does not hash to next_hash", async () => {
    const key = await sessionWith("stored base", "full-mismatch");
    const before = await storedBase(key);
    const id = uniqueKey("full-mismatch-sent");
    const envelope = await fullSyncEnvelope({
      affinity: key,
      body: "new body",
      nextHash: await sha256Of("a different body"),
      revision: 2,
      upstream: { headers: { "x-stand-in-id": id } },
    });
    await expectRelayError(await postEnvelope(envelope), 409, "state_mismatch");
    expect(await upstreamSeen(id)).toBeNull();
    expect(await storedBase(key)).toEqual(before);
  });

  it("refuses a patch on a session that has no base yet", async () => {
    const key = uniqueKey("no-base");
    const envelope = await patchEnvelope({ affinity: key, base: "", patch: { start: 0, deleteCount: 0, insert: "x" }, expected: "x" });
    await expectRelayError(await postEnvelope(envelope), 409, "state_mismatch");
    expect(await storedBase(key)).toBeNull();
  });
});
