/**
 * Malformed protocol-1 envelopes, generated from tables (helpers/envelope-cases.ts for the fields; here the raw
 * text: invalid JSON, non-object roots, deep nesting, invalid UTF-8). Each is refused with the contract's error,
 * never a 5xx or a stack trace, and nothing reaches the upstream; after each batch the same session still works.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { clientHeaders, ctx, relayFetch, uniqueKey } from "./helpers/context.js";
import { type CaseInput, envelopeCases, validEnvelope, withField } from "./helpers/envelope-cases.js";
import { Conversation, fullSyncEnvelope, postEnvelope } from "./helpers/envelopes.js";
import { answerOf, batches, expectRefused } from "./helpers/refusals.js";
import { expectSessionWorks } from "./helpers/sessions.js";

interface BodyCase {
  index: number;
  name: string;
  status: number;
  body: (input: CaseInput) => string | Buffer;
}

const DEPTH = 100_000;
const deepList = (): string => `${"[".repeat(DEPTH)}${"]".repeat(DEPTH)}`;
const deepObject = (): string => `${'{"a":'.repeat(DEPTH)}1${"}".repeat(DEPTH)}`;
/** The valid envelope's JSON text, with `edit` applied: corrupted, but still carrying the case's stand-in id. */
const text = (edit: (json: string) => string) => (input: CaseInput): string => edit(JSON.stringify(validEnvelope(input, "full_sync")));
/** The valid envelope with `field` holding `raw` JSON text (built as text: too deep for JSON.stringify). */
const rawField = (field: string, raw: () => string, mode: "full_sync" | "patch" = "full_sync") => (input: CaseInput): string =>
  JSON.stringify(withField(validEnvelope(input, mode), field, "__RAW__")).replace('"__RAW__"', raw());

const RAW_CASES: Omit<BodyCase, "index">[] = [
  { name: "an empty body", status: 400, body: () => "" },
  { name: "whitespace only", status: 400, body: () => " \n\t " },
  { name: "a truncated envelope", status: 400, body: text((json) => json.slice(0, -1)) },
  { name: "half an envelope", status: 400, body: text((json) => json.slice(0, json.length >> 1)) },
  { name: "a trailing comma", status: 400, body: text((json) => `${json.slice(0, -1)},}`) },
  { name: "single quotes", status: 400, body: text((json) => json.replaceAll('"', "'")) },
  { name: "unquoted keys", status: 400, body: text((json) => json.replace('"protocol"', "protocol")) },
  { name: "a NaN literal", status: 400, body: text((json) => json.replace('"revision":50', '"revision":NaN')) },
  { name: "an Infinity literal", status: 400, body: text((json) => json.replace('"revision":50', '"revision":Infinity')) },
  { name: "a comment", status: 400, body: text((json) => `/* hi */${json}`) },
  { name: "two envelopes back to back", status: 400, body: text((json) => `${json}${json}`) },
  { name: "trailing garbage", status: 400, body: text((json) => `${json}garbage`) },
  { name: "a raw line break inside a string", status: 400, body: text((json) => json.replace('"request"', '"req\nuest"')) },
  { name: "a bad escape", status: 400, body: text((json) => json.replace('"request"', '"re\\quest"')) },
  { name: "invalid UTF-8 bytes", status: 400, body: (input) => Buffer.concat([Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(text((json) => json)(input))]) },
  { name: "UTF-16 text", status: 400, body: (input) => Buffer.from(text((json) => json)(input), "utf16le") },
  { name: "a JSON list root", status: 400, body: text((json) => `[${json}]`) },
  { name: "a JSON string root", status: 400, body: text((json) => JSON.stringify(json)) },
  { name: "a JSON number root", status: 400, body: () => "1" },
  { name: "a JSON null root", status: 400, body: () => "null" },
  { name: "a JSON true root", status: 400, body: () => "true" },
  { name: "a list nested 100000 deep", status: 400, body: deepList },
  { name: "an object nested 100000 deep", status: 400, body: deepObject },
  { name: "deep nesting as upstream.headers", status: 400, body: rawField("upstream.headers", deepObject) },
  { name: "deep nesting as body", status: 400, body: rawField("body", deepList) },
  { name: "deep nesting as patch", status: 400, body: rawField("patch", deepList, "patch") },
  { name: "deep nesting as upstream.url", status: 400, body: rawField("upstream.url", deepObject) },
];

const CASES: BodyCase[] = [
  ...envelopeCases().map((envelopeCase) => ({ name: envelopeCase.name, status: envelopeCase.status, body: (input: CaseInput) => JSON.stringify(envelopeCase.build(input)) })),
  ...RAW_CASES,
].map((bodyCase, index) => ({ ...bodyCase, index }));

const key = uniqueKey("bad-envelopes");
const conversation = new Conversation(key);
const big = {
  key: uniqueKey("bad-envelopes-big"),
  base: JSON.stringify({ model: "stand-in-model", stream: true, messages: [{ role: "user", content: "b".repeat(ctx.maxRequestBytes * 0.6) }] }),
};

describe("malformed protocol-1 envelopes", () => {
  beforeAll(async () => {
    await expectSessionWorks(key, conversation);
    const response = await postEnvelope(fullSyncEnvelope({ affinity: big.key, body: big.base }));
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  });

  it("generates at least 150 cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(150);
  });

  for (const [batchIndex, batch] of batches(CASES, 25).entries()) {
    describe(`batch ${batchIndex + 1}`, () => {
      it.each(batch)("refuses $name ($status)", async (bodyCase) => {
        const standInId = `${key}-case-${bodyCase.index}`;
        const input: CaseInput = { key, standInId, base: conversation.base ?? "", maxRequestBytes: ctx.maxRequestBytes, big };
        const response = await relayFetch("/", { method: "POST", headers: clientHeaders(), body: bodyCase.body(input) });
        await expectRefused(await answerOf(response), bodyCase.status, standInId);
      });

      it("leaves the session working", async () => {
        await expectSessionWorks(key, conversation);
      });
    });
  }

  it("relays an envelope that nests deep JSON in a field it does not know (ignored), never a 5xx", async () => {
    const standInId = `${key}-tolerated`;
    const input: CaseInput = { key, standInId, base: conversation.base ?? "", maxRequestBytes: ctx.maxRequestBytes, big };
    const response = await relayFetch("/", { method: "POST", headers: clientHeaders(), body: rawField("x-extension", deepObject)(input) });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  });
});
