/**
 * Running generated bad-input cases: each must be refused with the contract's error (a 4xx, never a 5xx, never a
 * stack trace) and must send nothing upstream (the stand-in saw no request with the case's id). Includes a raw
 * HTTP/1.1 client for what `fetch` refuses to send: control characters, raw bytes, unnormalised paths.
 */
import { connect } from "node:net";
import { expect } from "vitest";
import { ctx, upstreamSeen } from "./context.js";
import { isWranglerRestart } from "../../wrangler-dev-retry.js";
import { relayErrorProblem } from "./relay-errors.js";

export interface Answer {
  status: number;
  contentType: string | null;
  text: string;
}

export async function answerOf(response: Response): Promise<Answer> {
  return { status: response.status, contentType: response.headers.get("content-type"), text: await response.text() };
}

/** Asserts the answer is the contract's error (`expected` status, or any 4xx) and nothing reached the upstream. */
export async function expectRefused(answer: Answer, expected: number | "4xx", standInId: string | null): Promise<void> {
  expect(relayErrorProblem(answer.status, answer.contentType, answer.text, expected)).toBeNull();
  if (standInId !== null) expect(await upstreamSeen(standInId), "the upstream saw the refused request").toBeNull();
}

/** Splits cases into batches, after each of which the session is shown to still work. */
export function batches<T>(cases: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < cases.length; index += size) out.push(cases.slice(index, index + size));
  return out;
}

/**
 * One HTTP/1.1 request written byte for byte to the relay (`head` lines without CRLF, or raw bytes), read to the
 * end of the connection. Answers the status, content type and decoded (de-chunked) body.
 */
export async function rawHttp(head: readonly (string | Buffer)[], body: Buffer = Buffer.alloc(0)): Promise<Answer> {
  const answer = await rawHttpOnce(head, body);
  // wrangler dev's proxy, not the relay (see test/wrangler-dev-retry.ts): retried once, like fetch there.
  return isWranglerRestart(answer.status, answer.text) ? rawHttpOnce(head, body) : answer;
}

function rawHttpOnce(head: readonly (string | Buffer)[], body: Buffer): Promise<Answer> {
  const url = new URL(ctx.relayUrl);
  const request = Buffer.concat([
    ...head.flatMap((line) => [typeof line === "string" ? Buffer.from(line, "latin1") : line, Buffer.from("\r\n")]),
    Buffer.from(`content-length: ${body.byteLength}\r\nconnection: close\r\n\r\n`),
    body,
  ]);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.end(request));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within 10 s: ${Buffer.concat(chunks).toString("latin1").slice(0, 300)}`));
    }, 10_000);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      try {
        resolve(parseResponse(Buffer.concat(chunks)));
      } catch (error) {
        reject(error);
      }
    });
  });
}

function parseResponse(bytes: Buffer): Answer {
  const end = bytes.indexOf("\r\n\r\n");
  if (end === -1) throw new Error(`not an HTTP response: ${bytes.toString("latin1").slice(0, 300)}`);
  const [statusLine = "", ...lines] = bytes.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? Number.NaN);
  const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(":")).trim().toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]));
  let body = bytes.subarray(end + 4);
  if ((headers.get("transfer-encoding") ?? "").includes("chunked")) body = dechunk(body);
  return { status, contentType: headers.get("content-type") ?? null, text: body.toString("utf8") };
}

function dechunk(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = bytes.indexOf("\r\n", offset);
    if (lineEnd === -1) throw new Error("a chunked body without its last chunk");
    const size = Number.parseInt(bytes.subarray(offset, lineEnd).toString("latin1"), 16);
    if (!Number.isFinite(size)) throw new Error("a bad chunk size");
    if (size === 0) return Buffer.concat(parts);
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
}
