/** `SseScanner` (durable/sse.ts) finds `event: error` data however the stream is cut into chunks. */
import { describe, expect, it } from "vitest";
import { SseScanner } from "../durable/sse";
import { messageEvents, OVERLOADED_EVENT } from "../tools/stand-in/messages.js";

const encoder = new TextEncoder();
const OVERLOADED_DATA = '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}';

function scanChunks(chunks: readonly Uint8Array[]): string[] {
  const scanner = new SseScanner();
  for (const chunk of chunks) scanner.scan(chunk);
  return scanner.errorEvents;
}

function splitEvery(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) out.push(bytes.subarray(offset, offset + size));
  return out;
}

describe("SseScanner", () => {
  it("sees no error in a normal answer", () => {
    expect(scanChunks([encoder.encode(messageEvents({ deltas: 4 }).join(""))])).toEqual([]);
  });

  it("finds the overloaded event after a normal answer's events, in one chunk", () => {
    const stream = messageEvents({ deltas: 2 }).slice(0, 5).join("") + OVERLOADED_EVENT;
    expect(scanChunks([encoder.encode(stream)])).toEqual([OVERLOADED_DATA]);
  });

  it.each([1, 2, 3, 7, 64])("finds it with the stream cut every %i bytes (multi-byte text included)", (size) => {
    const stream = messageEvents({ deltas: 3 }).join("") + OVERLOADED_EVENT + messageEvents({ deltas: 1 }).join("");
    expect(scanChunks(splitEvery(encoder.encode(stream), size))).toEqual([OVERLOADED_DATA]);
  });

  it.each([
    ["CRLF", "\r\n"],
    ["CR", "\r"],
    ["LF", "\n"],
  ])("understands %s line ends, also split between chunks", (_label, end) => {
    const text = `event: ping${end}data: {}${end}${end}event: error${end}data: {"a":1}${end}${end}`;
    const bytes = encoder.encode(text);
    expect(scanChunks([bytes])).toEqual(['{"a":1}']);
    expect(scanChunks(splitEvery(bytes, 1))).toEqual(['{"a":1}']);
  });

  it("does not take a CRLF split across chunks for two line ends (no phantom blank line)", () => {
    const chunks = ["event: error\r", "\ndata: x\r", "\n\r", "\n"].map((part) => encoder.encode(part));
    expect(scanChunks(chunks)).toEqual(["x"]);
  });

  it("joins multi-line data with LF, strips one leading space, ignores comments and other fields", () => {
    const text = ": comment\nevent: error\nid: 7\ndata:first\ndata:  second\nretry: 10\n\n";
    expect(scanChunks([encoder.encode(text)])).toEqual(["first\n second"]);
  });

  it("dispatches only on a blank line: an unfinished error event is not reported", () => {
    expect(scanChunks([encoder.encode('event: error\ndata: {"x":1}\n')])).toEqual([]);
  });

  it("resets the event type after each event", () => {
    const text = "event: error\ndata: one\n\ndata: two\n\nevent: error\ndata: three\n\n";
    expect(scanChunks([encoder.encode(text)])).toEqual(["one", "three"]);
  });

  it("keeps at most 16 KiB of a very long data line", () => {
    const long = "x".repeat(40 * 1024);
    const errors = scanChunks(splitEvery(encoder.encode(`event: error\ndata: ${long}\n\n`), 1000));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBe(long.slice(0, 16 * 1024 - "data: ".length));
  });
});
