#!/usr/bin/env node
// @ts-check
/**
 * `npm run demo`: the relay end to end, offline, in one command. It starts a local stand-in for the Anthropic
 * API and the relay under `wrangler dev`, drives a short sticky session (the official SDK by base-URL swap, a
 * protocol-1 patch turn, a WebSocket turn), provokes an upstream error, and finds it again through the CLI.
 * Every process it starts runs in its own process group and is stopped on exit, also on Ctrl-C.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import Anthropic from "@anthropic-ai/sdk";
import WebSocket from "ws";
import { startStandInProcess, startWranglerDev } from "./local-relay.js";

const RELAY_TOKEN = "demo-relay-token";
const ADMIN_TOKEN = "demo-admin-token";
const SESSION = `demo-session-${Date.now().toString(36)}`;
const CLI = fileURLToPath(new URL("./cli/affinity-relay.js", import.meta.url));
const run = promisify(execFile);

/** @type {Array<() => Promise<void>>} */
const cleanups = [];
const started = Date.now();

async function cleanup() {
  for (const stop of cleanups.splice(0).reverse()) await stop().catch(() => {});
}
for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
  process.on(signal, () => {
    console.log(`\n${signal}: stopping everything the demo started...`);
    void cleanup().then(() => process.exit(130));
  });
}

/** @param {string} title */
function step(title) {
  console.log(`\n\x1b[1m== ${title}\x1b[0m  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

/** @param {string} text */
const sha256 = (text) => `sha256:${createHash("sha256").update(text, "utf8").digest("hex")}`;

async function main() {
  step("starting a stand-in Anthropic API and the relay (wrangler dev, local KV and Durable Objects)");
  const standIn = await startStandInProcess({ lifetimeS: 120 });
  cleanups.push(standIn.stop);
  const relay = await startWranglerDev({
    lifetimeS: 120,
    vars: { UPSTREAM_URL: standIn.url, RELAY_TOKEN, ADMIN_TOKEN },
  });
  cleanups.push(relay.stop);
  console.log(`stand-in upstream: ${standIn.url}\nrelay:             ${relay.url}\nsession:           ${SESSION}`);

  step("turn 1: the official Anthropic SDK, pointed at the relay by base URL");
  const client = new Anthropic({
    baseURL: relay.url,
    apiKey: "sk-ant-demo-key",
    maxRetries: 0,
    defaultHeaders: { "x-relay-token": RELAY_TOKEN, "x-session-affinity": SESSION },
  });
  const messages = [{ role: /** @type {const} */ ("user"), content: "Hello through the relay" }];
  const stream = client.messages.stream({ model: "claude-demo", max_tokens: 64, messages });
  const answer = await stream.finalText();
  console.log(`streamed answer: ${JSON.stringify(answer)}`);

  step("turn 2: protocol 1, a full_sync and then a patch against the stored body");
  const upstream = {
    url: `${standIn.url}/v1/messages`,
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "sk-ant-demo-key", "anthropic-version": "2023-06-01" },
  };
  // A long system prompt, as sessions that care about prompt caching have: the part patches avoid resending.
  const system = Array.from({ length: 300 }, (_, index) => `Rule ${index}: answer briefly and cite the source.`).join(" ");
  const first = JSON.stringify({ model: "claude-demo", max_tokens: 64, stream: true, system, messages });
  const fullSync = { protocol: 1, type: "request", affinity: SESSION, upstream, mode: "full_sync", revision: 1, next_hash: sha256(first), body: first };
  await envelope(relay.url, fullSync);
  const insert = `,{"role":"assistant","content":${JSON.stringify(answer)}},{"role":"user","content":"And a follow-up"}`;
  const at = first.lastIndexOf("]");
  const second = first.slice(0, at) + insert + first.slice(at);
  const patch = {
    protocol: 1, type: "request", affinity: SESSION, upstream, mode: "patch", revision: 2,
    base_hash: sha256(first), next_hash: sha256(second), patch: { start: at, deleteCount: 0, insert },
  };
  const patchBytes = Buffer.byteLength(JSON.stringify(patch));
  const { status, bytes } = await envelope(relay.url, patch);
  console.log(`patch turn: HTTP ${status}, ${bytes} bytes streamed back; sent ${patchBytes} bytes instead of a ${Buffer.byteLength(second)}-byte body`);

  step("turn 3: protocol 2, the same session over a WebSocket");
  const third = `${second.slice(0, -2)},{"role":"user","content":"Once more, by socket"}]}`;
  await socketTurn(relay.url, {
    protocol: 2, type: "request", id: "turn-3", upstream, mode: "patch", revision: 3, base_hash: sha256(second),
    next_hash: sha256(third), patch: { start: second.length - 2, deleteCount: 0, insert: ',{"role":"user","content":"Once more, by socket"}' },
  });

  step("turn 4: the upstream is overloaded (529): the SDK raises, the relay journals it");
  let requestId = "";
  try {
    await client.messages.create(
      { model: "claude-demo", max_tokens: 64, messages },
      { headers: { "x-stand-in-scenario": "status", "x-stand-in-status": "529" } },
    );
  } catch (error) {
    if (!(error instanceof Anthropic.APIError)) throw error;
    requestId = error.headers?.get("x-relay-request-id") ?? "";
    console.log(`SDK error: ${error.status} ${error.message}\nx-relay-request-id: ${requestId}`);
  }

  step("later: what went wrong in this session? (the CLI, from the journal in KV)");
  const env = { ...process.env, AFFINITY_RELAY_URL: relay.url, AFFINITY_RELAY_ADMIN_TOKEN: ADMIN_TOKEN };
  const id = await waitForRecord(relay.url);
  console.log((await run(process.execPath, [CLI, "errors", "--session", SESSION], { env })).stdout);
  console.log((await run(process.execPath, [CLI, "errors", "show", id], { env })).stdout);
  console.log((await run(process.execPath, [CLI, "session", SESSION], { env })).stdout);
  step(`done in ${((Date.now() - started) / 1000).toFixed(1)} s; stopping the relay and the stand-in`);
}

/** @param {string} relayUrl @param {unknown} body */
async function envelope(relayUrl, body) {
  const response = await fetch(`${relayUrl}/`, {
    method: "POST",
    headers: { "x-relay-token": RELAY_TOKEN, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const bytes = (await response.arrayBuffer()).byteLength;
  if (response.status !== 200) throw new Error(`protocol-1 turn failed: HTTP ${response.status}`);
  return { status: response.status, bytes };
}

/** @param {string} relayUrl @param {Record<string, unknown>} request */
function socketTurn(relayUrl, request) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${relayUrl.replace("http", "ws")}/ws?affinity=${encodeURIComponent(SESSION)}`, {
      headers: { "x-relay-token": RELAY_TOKEN },
    });
    let binaryFrames = 0;
    let bodyBytes = 0;
    ws.on("error", reject);
    ws.on("message", (data, isBinary) => {
      if (isBinary) {
        binaryFrames += 1;
        bodyBytes += /** @type {Buffer} */ (data).byteLength;
        return;
      }
      const frame = JSON.parse(data.toString());
      console.log(`<- ${JSON.stringify(frame).slice(0, 140)}`);
      if (frame.type === "ready") ws.send(JSON.stringify(request));
      if (frame.type === "done" || frame.type === "error") {
        console.log(`   (${binaryFrames} binary frames, ${bodyBytes} body bytes, between response_start and ${frame.type})`);
        ws.close(1000);
        if (frame.type === "done") resolve(undefined);
        else reject(new Error(`socket turn failed: ${frame.message}`));
      }
    });
  });
}

/** The newest record of the demo session, once the journal has delivered it to KV. @param {string} relayUrl */
async function waitForRecord(relayUrl) {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const response = await fetch(`${relayUrl}/_relay/errors?session=${encodeURIComponent(SESSION)}&limit=1`, {
      headers: { "x-relay-admin-token": ADMIN_TOKEN },
    });
    const { errors } = /** @type {{ errors: Array<{ id: string }> }} */ (await response.json());
    if (errors[0]) return errors[0].id;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the error record did not reach KV within 5 s");
}

try {
  await main();
} catch (error) {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
