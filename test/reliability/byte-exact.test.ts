/**
 * Bodies arrive byte for byte, however the upstream's bytes are cut: large bodies of 1- to 4-byte UTF-8
 * characters (which the network splits at arbitrary offsets, so chunks begin and end inside characters) and
 * binary bytes, over transparent HTTP, protocol 1 and protocol 2. A relay that decoded and re-encoded text, or
 * dropped or reordered a chunk, would change them.
 */
import { describe, expect, it } from "vitest";
import { transparent, uniqueKey } from "./helpers/context.js";
import { Conversation, postEnvelope, toFrame } from "./helpers/envelopes.js";
import { WsClient } from "./helpers/ws-client.js";

/** 19 bytes: characters of 1, 2, 3 and 4 bytes, so that no chunk size lines up with them. */
const UNIT = "héllo 世界 🚀 ";
const SIZE = 300_001;

/** What the stand-in's `status` scenario sends for a padded body: the unit repeated, the rest filled with dots. */
function filledBody(unit: string, size: number): Buffer {
  const bytes = Buffer.from(unit, "utf8");
  const out = Buffer.alloc(size, 0x2e);
  for (let offset = 0; offset + bytes.length <= size; offset += bytes.length) bytes.copy(out, offset);
  return out;
}

const TEXT = { "x-stand-in-scenario": "status", "x-stand-in-status": "200", "x-stand-in-body-bytes": String(SIZE), "x-stand-in-fill": encodeURIComponent(UNIT) };
const BINARY = { "x-stand-in-scenario": "bytes", "x-stand-in-bytes": String(1024 * 1024 + 7), "x-stand-in-chunk-bytes": "1000" };

/** The stand-in's `bytes` scenario: the alphabet repeated, in writes of `chunk` bytes. */
function alphabetBody(total: number, chunk: number): Buffer {
  const unit = Buffer.alloc(chunk);
  for (let index = 0; index < chunk; index += 1) unit[index] = 97 + (index % 26);
  const out = Buffer.alloc(total);
  for (let offset = 0; offset < total; offset += chunk) unit.copy(out, offset, 0, Math.min(chunk, total - offset));
  return out;
}

describe("bodies arrive byte for byte", () => {
  const cases = [
    { name: "multi-byte text", headers: TEXT, expected: filledBody(UNIT, SIZE) },
    { name: "binary bytes", headers: BINARY, expected: alphabetBody(1024 * 1024 + 7, 1000) },
  ];

  it.each(cases)("over transparent HTTP: $name", async ({ headers, expected }) => {
    const response = await transparent(uniqueKey("exact-http"), headers);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(expected)).toBe(true);
  });

  it.each(cases)("over protocol 1: $name", async ({ headers, expected }) => {
    const { envelope } = new Conversation(uniqueKey("exact-p1")).next(headers);
    const response = await postEnvelope(envelope);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(expected)).toBe(true);
  });

  it.each(cases)("over protocol 2: $name", async ({ headers, expected }) => {
    const key = uniqueKey("exact-p2");
    const { client } = await WsClient.openReady(key);
    const { envelope } = new Conversation(key).next(headers);
    const turn = await client.turn(toFrame(envelope, "exact"));
    client.close();
    expect(turn.end).toEqual({ protocol: 2, type: "done", id: "exact" });
    expect(turn.body.equals(expected)).toBe(true);
  });
});
