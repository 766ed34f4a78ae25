/**
 * A protocol-1 envelope is checked field by field before anything is sent: each bad field is a 400
 * invalid_request whose message starts with the field's name, and the upstream sees nothing.
 */
import { describe, expect, it } from "vitest";
import { isRecord } from "../src/protocol";
import { fullSyncEnvelope, patchEnvelope, postEnvelope } from "./helpers/envelope";
import { expectNamesField, expectRelayError } from "./helpers/errors";
import { uniqueKey, UPSTREAM, upstreamSeen } from "./helpers/relay";

type Fields = Record<string, unknown>;
type Mutation = (envelope: Fields, id: string) => void;

const upstreamOf = (envelope: Fields): Fields => {
  const upstream = envelope.upstream;
  if (!isRecord(upstream)) throw new Error("no upstream");
  return upstream;
};
const set = (field: string, value: unknown): Mutation => (envelope) => {
  envelope[field] = value;
};
const drop = (field: string): Mutation => (envelope) => {
  Reflect.deleteProperty(envelope, field);
};
const setUpstream = (field: string, value: unknown): Mutation => (envelope) => {
  upstreamOf(envelope)[field] = value;
};
/** Replaces upstream.headers, keeping the stand-in id so that a request that got through would be recorded. */
const setHeaders = (headers: Fields): Mutation => (envelope, id) => {
  upstreamOf(envelope).headers = { "x-stand-in-id": id, ...headers };
};

const FULL_SYNC_CASES: [string, string, Mutation][] = [
  ["protocol 2", "protocol", set("protocol", 2)],
  ['protocol "1"', "protocol", set("protocol", "1")],
  ["no protocol", "protocol", drop("protocol")],
  ['type "response"', "type", set("type", "response")],
  ["no type", "type", drop("type")],
  ["no affinity", "affinity", drop("affinity")],
  ["a numeric affinity", "affinity", set("affinity", 42)],
  ["no upstream", "upstream", drop("upstream")],
  ["a string upstream", "upstream", set("upstream", `${UPSTREAM}/v1/messages`)],
  ["a list upstream", "upstream", set("upstream", [])],
  ["no upstream.url", "upstream.url", setUpstream("url", undefined)],
  ["a numeric upstream.url", "upstream.url", setUpstream("url", 80)],
  ["a relative upstream.url", "upstream.url", setUpstream("url", "/v1/messages")],
  ["a non-URL upstream.url", "upstream.url", setUpstream("url", "not a url")],
  ["upstream.method GET", "upstream.method", setUpstream("method", "GET")],
  ["upstream.method HEAD", "upstream.method", setUpstream("method", "head")],
  ["upstream.method with a space", "upstream.method", setUpstream("method", "PO ST")],
  ["a numeric upstream.method", "upstream.method", setUpstream("method", 1)],
  ["string upstream.headers", "upstream.headers", setUpstream("headers", "x-a: b")],
  ["a list of upstream.headers", "upstream.headers", setUpstream("headers", [["x-a", "b"]])],
  ["a bad header name", "upstream.headers", setHeaders({ "bad name": "v" })],
  ["a numeric header value", 'upstream.headers["x-num"]', setHeaders({ "x-num": 5 })],
  ["a header value with CRLF", 'upstream.headers["x-inject"]', setHeaders({ "x-inject": "a\r\nx-evil: 1" })],
  ['mode "delta"', "mode", set("mode", "delta")],
  ["no mode", "mode", drop("mode")],
  ["revision -1", "revision", set("revision", -1)],
  ["revision 1.5", "revision", set("revision", 1.5)],
  ['revision "1"', "revision", set("revision", "1")],
  ["no revision", "revision", drop("revision")],
  ["next_hash without prefix", "next_hash", set("next_hash", "0".repeat(64))],
  ["next_hash too short", "next_hash", set("next_hash", `sha256:${"0".repeat(63)}`)],
  ["next_hash not hex", "next_hash", set("next_hash", `sha256:${"g".repeat(64)}`)],
  ["next_hash of another algorithm", "next_hash", set("next_hash", `sha1:${"0".repeat(40)}`)],
  ["no body", "body", drop("body")],
  ["a numeric body", "body", set("body", 5)],
  ["an object body", "body", set("body", { messages: [] })],
];

const PATCH_CASES: [string, string, Mutation][] = [
  ["no base_hash", "base_hash", drop("base_hash")],
  ["a bad base_hash", "base_hash", set("base_hash", "sha256:xyz")],
  ["no patch", "patch", drop("patch")],
  ["an empty patch list", "patch", set("patch", [])],
  ["a string patch", "patch", set("patch", "s/a/b/")],
  ["patch.start -1", "patch.start", set("patch", { start: -1, deleteCount: 0, insert: "" })],
  ["patch.start missing", "patch.start", set("patch", { deleteCount: 0, insert: "" })],
  ["patch[0].start 0.5", "patch[0].start", set("patch", [{ start: 0.5, deleteCount: 0, insert: "" }])],
  ['patch[0].start "0"', "patch[0].start", set("patch", [{ start: "0", deleteCount: 0, insert: "" }])],
  ["patch[1].deleteCount -2", "patch[1].deleteCount", set("patch", [{ start: 0, deleteCount: 0, insert: "" }, { start: 1, deleteCount: -2, insert: "" }])],
  ["patch[0].deleteCount 1.25", "patch[0].deleteCount", set("patch", [{ start: 0, deleteCount: 1.25, insert: "" }])],
  ["patch[0].insert missing", "patch[0].insert", set("patch", [{ start: 0, deleteCount: 0 }])],
  ["patch[0].insert numeric", "patch[0].insert", set("patch", [{ start: 0, deleteCount: 0, insert: 7 }])],
  ["patch[1] not an object", "patch[1]", set("patch", [{ start: 0, deleteCount: 0, insert: "" }, "x"])],
];

async function expectRefused(envelope: Fields, id: string, field: string): Promise<void> {
  const message = await expectRelayError(await postEnvelope(envelope), 400, "invalid_request");
  expectNamesField(message, field);
  expect(await upstreamSeen(id)).toBeNull();
}

describe("envelope validation", () => {
  it.each(FULL_SYNC_CASES)("refuses %s: 400 naming %s", async (_label, field, mutate) => {
    const id = uniqueKey("invalid");
    const envelope = await fullSyncEnvelope({ affinity: id, body: "{}", upstream: { headers: { "x-stand-in-id": id } } });
    mutate(envelope, id);
    await expectRefused(envelope, id, field);
  });

  it.each(PATCH_CASES)("refuses a patch envelope with %s: 400 naming %s", async (_label, field, mutate) => {
    const id = uniqueKey("invalid-patch");
    const envelope = await patchEnvelope({
      affinity: id,
      base: "{}",
      patch: { start: 0, deleteCount: 0, insert: "" },
      expected: "{}",
      upstream: { headers: { "x-stand-in-id": id } },
    });
    mutate(envelope, id);
    await expectRefused(envelope, id, field);
  });

  it.each([
    ["text that is not JSON", "{protocol: 1"],
    ["an empty body", ""],
  ])("refuses %s with a 400 that says the envelope is not JSON", async (_label, text) => {
    const message = await expectRelayError(await postEnvelope(text), 400, "invalid_request");
    expect(message).toMatch(/JSON/);
  });

  it.each([
    ["a list", "[]"],
    ["a string", '"request"'],
    ["a number", "1"],
    ["null", "null"],
  ])("refuses an envelope that is %s, not an object: 400", async (_label, text) => {
    const message = await expectRelayError(await postEnvelope(text), 400, "invalid_request");
    expect(message).toMatch(/object/);
  });

  it("accepts the same envelope unchanged (the cases above differ from a valid one by one field)", async () => {
    const id = uniqueKey("valid");
    const response = await postEnvelope(await fullSyncEnvelope({ affinity: id, body: "{}", upstream: { headers: { "x-stand-in-id": id } } }));
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(await upstreamSeen(id)).toMatchObject({ method: "POST", path: "/v1/messages", body: "{}" });
  });
});
