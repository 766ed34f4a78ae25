// @ts-check
/**
 * A deterministic growing conversation for the upload metric, and the protocol-1 envelopes a client sends for
 * it. Each turn after the first appends the previous answer (assistant) and a new question (user) to the
 * Messages API body, as a coding agent's conversation grows; text mixes prose, code with quotes and line
 * breaks (which JSON escapes, twice inside an envelope), and some non-ASCII.
 */
import { prng } from "./stats.js";
import { sha256 } from "./ws.js";

const WORDS = [
  "the", "relay", "session", "function", "returns", "stream", "upstream", "request", "body", "patch", "value",
  "error", "config", "worker", "object", "bytes", "header", "test", "fix", "build", "and", "with", "for", "on",
  "résumé", "naïve", "données", "日本語", "ünïcödé", "a", "is", "to", "of", "in", "we", "this", "that", "it",
];

/** @param {() => number} random @param {number} chars */
function text(random, chars) {
  let out = "";
  while (out.length < chars) {
    if (random() < 0.12) {
      // A code block: quotes, backslashes and line breaks, as tool output and code snippets have.
      out += '\n```ts\nconst key = "session-' + Math.floor(random() * 1e6) + '";\nif (value !== "") {\n  return path.replace(/\\\\/g, "/");\n}\n```\n';
    } else {
      out += WORDS[Math.floor(random() * WORDS.length)] + (random() < 0.08 ? ".\n" : " ");
    }
  }
  return out;
}

/**
 * The request body of every turn, turn 1 first. User messages are 200-1500 characters, assistant answers
 * 500-4000, under a 2 KB system prompt.
 * @param {number} turns @returns {string[]}
 */
export function conversationBodies(turns) {
  const random = prng(0xc0ffee);
  /** @type {Array<{ role: string, content: string }>} */
  const messages = [];
  const system = text(random, 2000);
  /** @type {string[]} */
  const bodies = [];
  for (let turn = 1; turn <= turns; turn += 1) {
    if (turn > 1) messages.push({ role: "assistant", content: text(random, 500 + Math.floor(random() * 3500)) });
    messages.push({ role: "user", content: text(random, 200 + Math.floor(random() * 1300)) });
    bodies.push(JSON.stringify({ model: "claude-bench", max_tokens: 1024, stream: true, system, messages }));
  }
  return bodies;
}

/** Whether index `at` of `text` is inside a surrogate pair. @param {string} text @param {number} at */
function splitsPair(text, at) {
  const code = text.charCodeAt(at);
  return at > 0 && at < text.length && code >= 0xdc00 && code <= 0xdfff;
}

/**
 * The single patch taking `base` to `next` (common prefix and suffix kept), in UTF-16 code units.
 * @param {string} base @param {string} next @returns {{ start: number, deleteCount: number, insert: string }}
 */
export function diffPatch(base, next) {
  let start = 0;
  const max = Math.min(base.length, next.length);
  while (start < max && base.charCodeAt(start) === next.charCodeAt(start)) start += 1;
  if (splitsPair(next, start)) start -= 1;
  let tail = 0;
  while (tail < max - start && base.charCodeAt(base.length - 1 - tail) === next.charCodeAt(next.length - 1 - tail)) tail += 1;
  if (splitsPair(next, next.length - tail)) tail -= 1;
  return { start, deleteCount: base.length - start - tail, insert: next.slice(start, next.length - tail) };
}

/** The upstream part of every envelope: what a real client sends each turn. @param {string} upstreamUrl */
export function envelopeUpstream(upstreamUrl) {
  return {
    url: `${upstreamUrl}/v1/messages`, method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", "x-api-key": "sk-ant-bench-0000000000000000" },
  };
}

/**
 * The protocol-1 envelope for turn `index` (0-based) of `bodies`, in full_sync or patch mode (turn 1 is always a
 * full_sync: there is no base yet).
 * @param {{ bodies: string[], index: number, mode: "full_sync" | "patch", affinity: string, upstream: object }} options
 * @returns {{ json: string, newBytes: number }} `newBytes`: UTF-8 bytes of what this turn really adds
 */
export function envelopeFor({ bodies, index, mode, affinity, upstream }) {
  const body = /** @type {string} */ (bodies[index]);
  const common = { protocol: 1, type: "request", affinity, upstream, revision: index + 1, next_hash: sha256(body) };
  if (index === 0 || mode === "full_sync") {
    const newBytes = index === 0 ? Buffer.byteLength(body) : Buffer.byteLength(diffPatch(/** @type {string} */ (bodies[index - 1]), body).insert);
    return { json: JSON.stringify({ ...common, mode: "full_sync", body }), newBytes };
  }
  const base = /** @type {string} */ (bodies[index - 1]);
  const patch = diffPatch(base, body);
  return {
    json: JSON.stringify({ ...common, mode: "patch", base_hash: sha256(base), patch }),
    newBytes: Buffer.byteLength(patch.insert),
  };
}
