/** The KV key layout as pure functions: inverted ULIDs sort newest first; session segments are encoded or hashed. */
import { monotonicFactory, ulid } from "ulid";
import { describe, expect, it } from "vitest";
import { GLOBAL_PREFIX, globalKey, idFromKey, invertUlid, isUlid, sessionKey, sessionPrefix } from "../src/kv-layout";

const encoder = new TextEncoder();
const ascending = (values: string[]): string[] => [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

async function sha256Prefix(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
  return Array.from(digest.subarray(0, 16), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

describe("invertUlid", () => {
  it("maps every Crockford digit d to 31 - d", () => {
    expect(invertUlid("0123456789ABCDEFGHJKMNPQRSTVWXYZ")).toBe("ZYXWVTSRQPNMKJHGFEDCBA9876543210");
    expect(invertUlid("00000000000000000000000000")).toBe("ZZZZZZZZZZZZZZZZZZZZZZZZZZ");
  });

  it("is an involution and keeps a ULID a ULID", () => {
    for (let index = 0; index < 200; index += 1) {
      const id = ulid();
      expect(isUlid(invertUlid(id))).toBe(true);
      expect(invertUlid(invertUlid(id))).toBe(id);
    }
  });

  it("reverses the order: ascending inverted ids list newest first, also within one millisecond", () => {
    const next = monotonicFactory();
    const base = Date.now();
    const ids: string[] = [];
    for (let index = 0; index < 300; index += 1) ids.push(next(base + Math.floor(index / 10) * 997));
    expect(ascending(ids)).toEqual(ids);
    const keys = ids.map(globalKey);
    expect(ascending(keys)).toEqual([...keys].reverse());
  });

  it("reverses the order of ids far apart in time", () => {
    // (ulid() takes a seed time of 0 for "now", so the earliest here is 1 ms.)
    const ids = [1, 1_000, 1_600_000_000_000, 1_800_000_000_000, 281474976710655].map((time) => ulid(time));
    const keys = ids.map(globalKey);
    expect(ascending(keys)).toEqual([...keys].reverse());
  });
});

describe("keys", () => {
  it("puts every record under errors/ and its session's under sessions/<segment>/errors/", async () => {
    const id = ulid();
    expect(GLOBAL_PREFIX).toBe("errors/");
    expect(globalKey(id)).toBe(`errors/${invertUlid(id)}`);
    expect(await sessionKey("plain-key", id)).toBe(`sessions/plain-key/errors/${invertUlid(id)}`);
    expect(await sessionPrefix("plain-key")).toBe("sessions/plain-key/errors/");
  });

  it("recovers the id from a key of either form", async () => {
    const id = ulid();
    expect(idFromKey(globalKey(id))).toBe(id);
    expect(idFromKey(await sessionKey("a/b:c", id))).toBe(id);
  });

  it("percent-encodes / and : (and every other reserved character) in a session segment", async () => {
    expect(await sessionPrefix("team/a:b")).toBe("sessions/team%2Fa%3Ab/errors/");
    expect(await sessionPrefix("x?y#z%")).toBe("sessions/x%3Fy%23z%25/errors/");
    // A key and a longer key that starts like it with a slash never share a listing prefix.
    expect((await sessionPrefix("x/y")).startsWith(await sessionPrefix("x"))).toBe(false);
  });

  it("keeps a segment of 200 encoded characters, and hashes one longer (first 32 hex digits of SHA-256 after #)", async () => {
    const fits = "a".repeat(200);
    expect(await sessionPrefix(fits)).toBe(`sessions/${fits}/errors/`);
    const over = "a".repeat(201);
    expect(await sessionPrefix(over)).toBe(`sessions/#${await sha256Prefix(over)}/errors/`);
    // 67 slashes encode to 201 characters: hashed although the key itself is short.
    const slashes = "/".repeat(67);
    expect(await sessionPrefix(slashes)).toBe(`sessions/#${await sha256Prefix(slashes)}/errors/`);
  });

  it("keeps every key of a 256-character session under KV's 512-byte limit", async () => {
    const id = ulid();
    for (const key of ["~".repeat(256), "/".repeat(256), "%".repeat(256), "!#$&'()*+,/:;=?@[]".repeat(15).slice(0, 256)]) {
      const name = await sessionKey(key, id);
      expect(encoder.encode(name).byteLength).toBeLessThanOrEqual(512);
      expect(name).toMatch(/^sessions\/#[0-9a-f]{32}\/errors\/[0-9A-HJKMNP-TV-Z]{26}$/);
    }
  });

  it("gives different long keys different segments, and the same key the same one", async () => {
    const first = `${"k".repeat(250)}-one`;
    const second = `${"k".repeat(250)}-two`;
    expect(await sessionPrefix(first)).not.toBe(await sessionPrefix(second));
    expect(await sessionPrefix(first)).toBe(await sessionPrefix(first));
  });
});

describe("isUlid", () => {
  it("accepts 26 Crockford characters and nothing else", () => {
    expect(isUlid(ulid())).toBe(true);
    for (const bad of ["", "01ARZ3NDEKTSV4RRFFQ69G5FA", "01ARZ3NDEKTSV4RRFFQ69G5FAVV", "01ARZ3NDEKTSV4RRFFQ69G5FAI", "01ARZ3NDEKTSV4RRFFQ69G5FAL", "01ARZ3NDEKTSV4RRFFQ69G5FAO", "01ARZ3NDEKTSV4RRFFQ69G5FAU", "01ARZ3NDEKTSV4RRFFQ69G5FA/"]) {
      expect(isUlid(bad), bad).toBe(false);
    }
  });
});
