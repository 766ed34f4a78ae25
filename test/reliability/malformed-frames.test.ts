/**
 * Malformed protocol-2 frames, generated from tables: binary frames, invalid JSON and invalid UTF-8 text, frames
 * over MAX_REQUEST_BYTES, unknown types and protocols, bad ids on requests and cancels, and request frames carrying
 * every malformed envelope of helpers/envelope-cases.ts. Each gets one `error` frame (4xx, the id only when the
 * frame named a valid one), nothing reaches the upstream, and after each batch the same socket still answers a
 * ping and relays a request.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ctx, uniqueKey, upstreamSeen } from "./helpers/context.js";
import { type CaseInput, envelopeCases, validEnvelope } from "./helpers/envelope-cases.js";
import { Conversation } from "./helpers/envelopes.js";
import { errorFrameProblem } from "./helpers/relay-errors.js";
import { batches } from "./helpers/refusals.js";
import { expectSocketWorks } from "./helpers/sessions.js";
import { WsClient } from "./helpers/ws-client.js";

interface FrameCase {
  index: number;
  name: string;
  status: number;
  /** The id the error frame must carry (null: none). */
  id: string | null;
  send: (client: WsClient, input: CaseInput) => void;
}

type Sender = (client: WsClient, input: CaseInput) => void;
const json = (value: (input: CaseInput) => unknown): Sender => (client, input) => client.send(JSON.stringify(value(input)));
const text = (value: string): Sender => (client) => client.send(value);
const bytes = (value: Buffer, binary: boolean): Sender => (client) => client.sendRaw(value, binary);
/** A valid request frame (carrying the case's stand-in id) with `change` applied. */
const request = (id: unknown, change: Record<string, unknown> = {}) => (input: CaseInput): Record<string, unknown> => ({ ...validEnvelope(input, "full_sync"), protocol: 2, id, ...change });
const PING = '{"protocol":2,"type":"ping"}';
const DEPTH = 100_000;

const BAD_IDS: ReadonlyArray<[string, unknown]> = [
  ["empty", ""], ["65 characters", "i".repeat(65)], ["a space", "has space"], ["a tab", "a\tb"], ["non-ASCII", "é"],
  ["CJK", "日本"], ["a NUL", "a\u0000b"], ["a line break", "a\nb"], ["a number", 7], ["null", null], ["true", true],
  ["a list", ["a"]], ["an object", { id: "a" }],
];

function frameCases(): Omit<FrameCase, "index">[] {
  const max = ctx.maxRequestBytes;
  const noId = (name: string, send: Sender, status = 400): Omit<FrameCase, "index"> => ({ name, status, id: null, send });
  return [
    noId("an empty binary frame", bytes(Buffer.alloc(0), true)),
    noId("random binary bytes", bytes(Buffer.from([0, 1, 2, 255, 254]), true)),
    noId("a ping sent as binary", bytes(Buffer.from(PING), true)),
    noId("a request sent as binary", (client, input) => client.sendRaw(Buffer.from(JSON.stringify(request("bin")(input))), true)),
    ...[[0xff], [0xc3, 0x28], [0xe2, 0x28, 0xa1], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]].map((sequence) =>
      noId(`invalid UTF-8 ${Buffer.from(sequence).toString("hex")} as text`, bytes(Buffer.concat([Buffer.from(PING.slice(0, -1)), Buffer.from(sequence), Buffer.from("}")]), false)),
    ),
    noId("an empty text frame", text("")),
    noId("a truncated frame", text(PING.slice(0, -1))),
    noId("single quotes", text(PING.replaceAll('"', "'"))),
    noId("trailing garbage", text(`${PING}x`)),
    noId("two frames in one", text(`${PING}${PING}`)),
    noId("a JSON list", text(`[${PING}]`)),
    noId("a JSON string", text('"ping"')),
    noId("a JSON number", text("2")),
    noId("a JSON null", text("null")),
    noId("a list nested 100000 deep", text(`${"[".repeat(DEPTH)}${"]".repeat(DEPTH)}`)),
    noId("an object nested 100000 deep", text(`${'{"type":'.repeat(DEPTH)}1${"}".repeat(DEPTH)}`)),
    noId("a text frame just over MAX_REQUEST_BYTES", text(" ".repeat(max + 1)), 413),
    noId("a text frame of twice MAX_REQUEST_BYTES", text("x".repeat(2 * max)), 413),
    noId("a request frame over MAX_REQUEST_BYTES", json((input) => request("big", { body: "b".repeat(max) })(input)), 413),
    ...["subscribe", "", "PING", "Request", "pong", "keepalive", "accepted"].map((type) => noId(`type ${JSON.stringify(type)}`, text(JSON.stringify({ protocol: 2, type })))),
    ...[null, 1, [], {}].map((type) => noId(`type ${JSON.stringify(type)}`, text(JSON.stringify({ protocol: 2, type })))),
    noId("no type", text('{"protocol":2}')),
    ...[1, "2", 3, null, 2.5, []].map((protocol) => noId(`protocol ${JSON.stringify(protocol)} on a ping`, text(JSON.stringify({ protocol, type: "ping" })))),
    noId("a request without id", json((input) => { const frame = request("x")(input); delete frame.id; return frame; })),
    noId("a cancel without id", text('{"protocol":2,"type":"cancel"}')),
    ...BAD_IDS.map(([label, id]) => noId(`a request whose id is ${label}`, json(request(id)))),
    ...BAD_IDS.map(([label, id]) => noId(`a cancel whose id is ${label}`, text(JSON.stringify({ protocol: 2, type: "cancel", id })))),
  ];
}

/** Every malformed envelope as a request frame: a valid id, so the error names it (unless the frame fails first). */
function envelopeFrameCases(): Omit<FrameCase, "index">[] {
  const notForFrames = new Set(["protocol is 2", "protocol is missing", "affinity is missing"]);
  return envelopeCases()
    .filter((envelopeCase) => !envelopeCase.httpOnly && !notForFrames.has(envelopeCase.name))
    .map((envelopeCase, index) => {
      const id = `env-${index}`;
      // The protocol and type are checked before the id; a frame over the size limit is refused before parsing.
      const named = envelopeCase.field !== "protocol" && envelopeCase.field !== "type" && envelopeCase.status !== 413;
      return {
        name: `a request frame whose ${envelopeCase.name}`,
        status: envelopeCase.status,
        id: named ? id : null,
        send: json((input) => {
          const envelope = envelopeCase.build(input);
          return { ...envelope, protocol: envelopeCase.field === "protocol" ? envelope.protocol : 2, id };
        }),
      };
    });
}

const CASES: FrameCase[] = [...frameCases(), ...envelopeFrameCases()].map((frameCase, index) => ({ ...frameCase, index }));
const key = uniqueKey("bad-frames");
const conversation = new Conversation(key);
const holder: { client: WsClient | null } = { client: null };
const socket = (): WsClient => {
  if (!holder.client) throw new Error("the socket is not open");
  return holder.client;
};

describe("malformed protocol-2 frames", () => {
  beforeAll(async () => {
    holder.client = (await WsClient.openReady(key)).client;
    await expectSocketWorks(socket(), conversation, "first");
  });
  afterAll(() => holder.client?.close());

  it("generates at least 150 cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(150);
  });

  for (const [batchIndex, batch] of batches(CASES, 25).entries()) {
    describe(`batch ${batchIndex + 1}`, () => {
      it.each(batch)("answers $name with an error frame ($status)", async (frameCase) => {
        const standInId = `${key}-case-${frameCase.index}`;
        const input: CaseInput = { key, standInId, base: conversation.base ?? "", maxRequestBytes: ctx.maxRequestBytes, big: { key, base: "" } };
        frameCase.send(socket(), input);
        const frame = await socket().nextJson();
        expect(errorFrameProblem(frame, { status: frameCase.status, id: frameCase.id })).toBeNull();
        expect(await upstreamSeen(standInId), "the upstream saw the refused request").toBeNull();
      });

      it("leaves the socket open and working", async () => {
        expect(socket().closed).toBeNull();
        await expectSocketWorks(socket(), conversation, `after-batch-${batchIndex + 1}`);
      });
    });
  }
});
