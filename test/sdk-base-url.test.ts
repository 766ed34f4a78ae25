/**
 * The official Anthropic SDK works against the relay by base URL alone (plus the relay's two headers): answers,
 * streams and errors come out as they would from the API itself.
 */
import { exports } from "cloudflare:workers";
import Anthropic, { APIError, AuthenticationError, InternalServerError } from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { errorJson, messageJson } from "../tools/stand-in/messages.js";
import { RELAY, relayToken, uniqueKey, upstreamSeen } from "./helpers/relay";

const PARAMS = { model: "stand-in-model", max_tokens: 64, messages: [{ role: "user" as const, content: "hi" }] };
const EXPECTED_TEXT = (deltas = 5): string => {
  const content = messageJson({ deltas }).content[0];
  if (!content) throw new Error("no content in messageJson");
  return content.text;
};

function client(headers: Record<string, string>): Anthropic {
  return new Anthropic({
    apiKey: "sk-ant-test-key",
    baseURL: RELAY,
    maxRetries: 0,
    defaultHeaders: { "x-relay-token": relayToken(), ...headers },
    fetch: (input, init) => exports.default.fetch(new Request(input, init)),
  });
}

async function caught(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("expected the SDK call to throw");
}

describe("Anthropic SDK through the relay", () => {
  it("messages.create returns the stand-in's answer, and the SDK's own credentials reach the upstream", async () => {
    const key = uniqueKey("sdk-create");
    const message = await client({ "x-session-affinity": key, "x-stand-in-id": key }).messages.create(PARAMS);
    expect(message.content).toEqual([{ type: "text", text: EXPECTED_TEXT() }]);
    expect(message.id).toBe("msg_standin");
    const seen = await upstreamSeen(key);
    // SDK 1.x sends its key as a bearer token.
    expect(seen?.headers.authorization).toBe("Bearer sk-ant-test-key");
    expect(seen?.headers["x-relay-token"]).toBeUndefined();
  });

  it("messages.stream yields the stand-in's text, event by event", async () => {
    const key = uniqueKey("sdk-stream");
    const stream = client({ "x-session-affinity": key, "x-stand-in-deltas": "4" }).messages.stream(PARAMS);
    const deltas: string[] = [];
    stream.on("text", (text) => deltas.push(text));
    expect(await stream.finalText()).toBe(EXPECTED_TEXT(4));
    expect(deltas.join("")).toBe(EXPECTED_TEXT(4));
    expect(deltas).toHaveLength(4);
  });

  it("surfaces an upstream 500 as the SDK's APIError with status 500 and the upstream's error body", async () => {
    const key = uniqueKey("sdk-500");
    const sdk = client({ "x-session-affinity": key, "x-stand-in-scenario": "status", "x-stand-in-status": "500" });
    const error = await caught(() => sdk.messages.create(PARAMS));
    expect(error).toBeInstanceOf(InternalServerError);
    if (!(error instanceof APIError)) throw new Error("not an APIError");
    expect(error.status).toBe(500);
    expect(error.error).toEqual(errorJson(500));
  });

  it("surfaces a relay 401 as the SDK's AuthenticationError with the relay's error", async () => {
    const sdk = client({ "x-relay-token": "wrong-token", "x-session-affinity": uniqueKey("sdk-401") });
    const error = await caught(() => sdk.messages.create(PARAMS));
    expect(error).toBeInstanceOf(AuthenticationError);
    if (!(error instanceof APIError)) throw new Error("not an APIError");
    expect(error.status).toBe(401);
    expect(error.error).toMatchObject({ type: "error", error: { type: "authentication_error" } });
  });

  it("raises an error from a stream that breaks mid-way instead of ending it cleanly", async () => {
    const sdk = client({ "x-session-affinity": uniqueKey("sdk-broken"), "x-stand-in-scenario": "reset", "x-stand-in-events": "5" });
    const error = await caught(() => sdk.messages.stream(PARAMS).finalMessage());
    expect(error).toBeInstanceOf(APIError);
    if (!(error instanceof APIError)) throw new Error("not an APIError");
    expect(error.error).toMatchObject({ type: "error", error: { type: "upstream_stream_broken" } });
  });
});
