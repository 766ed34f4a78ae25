/**
 * A large base (5 MB) is stored in chunks under SQLite's 2 MB row limit, survives its object being reset (the
 * object is rebuilt from storage), and a patch then applies to it exactly, multi-byte characters across chunk
 * boundaries included.
 */
import { env } from "cloudflare:workers";
import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { fullSyncEnvelope, patchEnvelope, postEnvelope, sha256Hex, sha256Of } from "./helpers/envelope";
import { uniqueKey, upstreamSeen } from "./helpers/relay";
import { storedBase } from "./helpers/storage";

const ROW_LIMIT = 2 * 1024 * 1024;
const encoder = new TextEncoder();

/** About 5 MB of text mixing 1-, 3- and 4-byte UTF-8 characters, so chunk boundaries fall inside characters. */
function largeBody(): string {
  const unit = "世界🚀 text ";
  return `{"start":true,"text":"${unit.repeat(Math.ceil((5 * 1000 * 1000) / encoder.encode(unit).byteLength))}"}`;
}

/** `index`, or the next index when `index` falls between the two halves of a surrogate pair. */
function onCodePoint(text: string, index: number): number {
  const unit = text.charCodeAt(index);
  return unit >= 0xdc00 && unit <= 0xdfff ? index + 1 : index;
}

describe("large base", () => {
  it("stores a 5 MB full_sync in several chunk rows, each under 2 MB, and relays it whole", async () => {
    const key = uniqueKey("large");
    const body = largeBody();
    const bytes = encoder.encode(body);
    expect(bytes.byteLength).toBeGreaterThan(5_000_000);
    const id = uniqueKey("large-sent");
    const response = await postEnvelope(await fullSyncEnvelope({ affinity: key, body, upstream: { headers: { "x-stand-in-id": id } } }));
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(await upstreamSeen(id)).toMatchObject({ bodyBytes: bytes.byteLength, bodySha256: await sha256Hex(bytes) });
    const stored = await storedBase(key);
    if (!stored) throw new Error("no base stored");
    expect(stored).toMatchObject({ hash: await sha256Of(body), revision: 1, bytes: bytes.byteLength });
    expect(stored.chunkBytes.length).toBeGreaterThan(1);
    for (const size of stored.chunkBytes) expect(size).toBeLessThan(ROW_LIMIT);
    expect(stored.chunkBytes.reduce((sum, size) => sum + size, 0)).toBe(bytes.byteLength);
  });

  it("survives its object being reset, and a patch then applies to it exactly", async () => {
    const key = uniqueKey("large-reset");
    const body = largeBody();
    const synced = await postEnvelope(await fullSyncEnvelope({ affinity: key, body }));
    expect(synced.status).toBe(200);
    await synced.arrayBuffer();
    const stub = env.SESSIONS.get(env.SESSIONS.idFromName(key));
    const marker = Symbol.for("large-base-test-instance");
    await runInDurableObject(stub, (instance) => Reflect.set(instance, marker, true));

    await abortAllDurableObjects();

    const fresh = env.SESSIONS.get(env.SESSIONS.idFromName(key));
    // A new instance: the marker set on the old one is gone, so the base must come from storage.
    expect(await runInDurableObject(fresh, (instance) => Reflect.get(instance, marker))).toBeUndefined();
    const start = onCodePoint(body, Math.floor(body.length / 2));
    const end = onCodePoint(body, start + 3);
    const patches = [
      { start: 2, deleteCount: 5, insert: "begin" },
      { start, deleteCount: end - start, insert: "✂️ middle 🧵" },
      { start: body.length - 2, deleteCount: 0, insert: " end 終" },
    ];
    const expected = `${body.slice(0, 2)}begin${body.slice(7, start)}✂️ middle 🧵${body.slice(end, body.length - 2)} end 終${body.slice(body.length - 2)}`;
    const id = uniqueKey("large-patch-sent");
    const envelope = await patchEnvelope({ affinity: key, base: body, patch: patches, expected, upstream: { headers: { "x-stand-in-id": id } } });
    const response = await postEnvelope(envelope);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    const expectedBytes = encoder.encode(expected);
    expect(await upstreamSeen(id)).toMatchObject({ bodyBytes: expectedBytes.byteLength, bodySha256: await sha256Hex(expectedBytes) });
    expect(await storedBase(key)).toMatchObject({ hash: await sha256Of(expected), revision: 2, bytes: expectedBytes.byteLength });
  });
});
