/**
 * `restream` (src/restream.ts), the entry Worker's copy of an object's response: a body that errors ends, for an
 * event stream, with the contract's closing `event: error` standing on its own, and for anything else errors.
 */
import { describe, expect, it } from "vitest";
import { restream } from "../src/restream";
import { expectStreamBrokenTail } from "./helpers/streams";

const encoder = new TextEncoder();

/** A response whose body delivers `parts` and then errors (or ends, when `breaks` is false). */
function responseOf(parts: readonly string[], contentType: string, breaks = true): Response {
  let index = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const part = parts[index];
      index += 1;
      if (part !== undefined) controller.enqueue(encoder.encode(part));
      else if (breaks) controller.error(new Error("internal detail: socket 42 reset"));
      else controller.close();
    },
  });
  return new Response(body, { status: 200, statusText: "OK", headers: { "content-type": contentType, "x-kept": "1" } });
}

describe("restream", () => {
  it.each([
    ["after a complete event", ["event: a\ndata: 1\n\n"]],
    ["mid-line", ["event: a\ndata: 1\n\n", "event: b\nda"]],
    ["after a line but inside an event", ["event: a\n", "data: 1\n"]],
    ["after CRLF CRLF", ["event: a\r\ndata: 1\r\n\r\n"]],
    ["with no bytes at all", []],
    ["mid-UTF-8 sequence", ["data: 世"]],
  ])("closes an event stream that breaks %s with a separate error event", async (_label, parts) => {
    const response = restream(responseOf(parts, "text/event-stream; charset=utf-8"));
    expect(response.status).toBe(200);
    expect(response.headers.get("x-kept")).toBe("1");
    const text = await response.text();
    const message = expectStreamBrokenTail(text, parts.join(""));
    expect(message).not.toContain("socket 42");
  });

  it("errors any other body that breaks, without the internal detail", async () => {
    const response = restream(responseOf(['{"partial":'], "application/json"));
    const error = await response.text().then(
      () => null,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).not.toContain("socket 42");
  });

  it("passes a body that ends cleanly through unchanged", async () => {
    const parts = ["event: a\ndata: 1\n\n", "event: b\ndata: 2\n\n"];
    expect(await restream(responseOf(parts, "text/event-stream", false)).text()).toBe(parts.join(""));
    expect(await restream(responseOf(['{"a":1}'], "application/json", false)).text()).toBe('{"a":1}');
  });
});
