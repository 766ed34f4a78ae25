/**
 * A record keeps exactly the first ERROR_BODY_PREVIEW_BYTES bytes of the upstream body, as text: `bodyTruncated`
 * says whether there was more, a multi-byte character cut at the limit is dropped rather than mangled, and the
 * client still receives the whole body.
 */
import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { ERROR_BODY_PREVIEW_BYTES, journaled, statusHeaders, transparentRequest } from "./helpers/journal";
import { socketRequest } from "./helpers/journal-socket";
import { UPSTREAM, uniqueKey } from "./helpers/relay";
import { TestSocket } from "./helpers/socket";
import { fullSyncFrame } from "./helpers/ws-turns";

const encoder = new TextEncoder();

/** Stand-in headers: a 500 whose body is `fill` repeated to exactly `bytes` bytes (ASCII dots pad a partial unit). */
function filledError(bytes: number, fill = "x"): Record<string, string> {
  return statusHeaders(500, { "x-stand-in-body-bytes": String(bytes), "x-stand-in-fill": encodeURIComponent(fill) });
}

/** What the stand-in sends for `filledError(bytes, fill)`. */
function filledText(bytes: number, fill: string): string {
  const unit = encoder.encode(fill).byteLength;
  const units = Math.floor(bytes / unit);
  return fill.repeat(units) + ".".repeat(bytes - units * unit);
}

async function recordOf(key: string, headers: Record<string, string>, expectedClientBytes: number) {
  const response = await transparentRequest(key, headers);
  const received = new Uint8Array(await response.arrayBuffer());
  expect(received.byteLength, "the client gets the whole body").toBe(expectedClientBytes);
  const [record] = await journaled(key);
  if (!record?.body) throw new Error("no record with a body");
  return { record, received };
}

it("runs with the contract's default preview size", () => {
  expect(env.ERROR_BODY_PREVIEW_BYTES).toBe(String(ERROR_BODY_PREVIEW_BYTES));
});

describe("the preview's size", () => {
  it("keeps a body of exactly ERROR_BODY_PREVIEW_BYTES whole: bodyTruncated false", async () => {
    const key = uniqueKey("preview-exact");
    const { record, received } = await recordOf(key, filledError(ERROR_BODY_PREVIEW_BYTES, "abc"), ERROR_BODY_PREVIEW_BYTES);
    expect(encoder.encode(record.body ?? "").byteLength).toBe(ERROR_BODY_PREVIEW_BYTES);
    expect(record.body).toBe(new TextDecoder().decode(received));
    expect(record.bodyTruncated).toBe(false);
  });

  it("keeps the first ERROR_BODY_PREVIEW_BYTES of a body one byte longer: bodyTruncated true", async () => {
    const key = uniqueKey("preview-plus-one");
    const size = ERROR_BODY_PREVIEW_BYTES + 1;
    const { record, received } = await recordOf(key, filledError(size, "abcdefg"), size);
    expect(record.body).toBe(new TextDecoder().decode(received.subarray(0, ERROR_BODY_PREVIEW_BYTES)));
    expect(record.bodyTruncated).toBe(true);
  });

  it("keeps a short body whole: bodyTruncated false", async () => {
    const key = uniqueKey("preview-short");
    const { record } = await recordOf(key, filledError(10, "0123456789"), 10);
    expect(record.body).toBe("0123456789");
    expect(record.bodyTruncated).toBe(false);
  });

  it("holds nothing back from the client for a body far beyond the preview", async () => {
    const key = uniqueKey("preview-large");
    const size = 400_000;
    const { record } = await recordOf(key, filledError(size, "large "), size);
    expect(record.body).toBe(filledText(size, "large ").slice(0, ERROR_BODY_PREVIEW_BYTES));
    expect(record.bodyTruncated).toBe(true);
  });
});

describe("multi-byte text at the preview's end", () => {
  it("drops a 3-byte character cut at the limit (€), with no replacement character", async () => {
    const key = uniqueKey("preview-euro");
    // 51200 = 3 × 17066 + 2: the limit falls 2 bytes into a "€".
    const { record } = await recordOf(key, filledError(60_000, "€"), 60_000);
    expect(record.body).toBe("€".repeat(17066));
    expect(record.body).not.toContain("\uFFFD");
    expect(record.bodyTruncated).toBe(true);
  });

  it("drops a 4-byte character cut at the limit (🚀)", async () => {
    const key = uniqueKey("preview-emoji");
    // A unit is 6 bytes; 51200 = 6 × 8533 + 2: the limit falls 2 bytes into a "🚀".
    const { record } = await recordOf(key, filledError(60_000, "🚀é"), 60_000);
    expect(record.body).toBe("🚀é".repeat(8533));
    expect(record.body).not.toContain("\uFFFD");
    expect(record.bodyTruncated).toBe(true);
  });

  it("keeps every character of a multi-byte body that ends exactly at the limit", async () => {
    const key = uniqueKey("preview-emoji-exact");
    // 51200 = 4 × 12800: the last "🚀" ends on the limit.
    const { record } = await recordOf(key, filledError(ERROR_BODY_PREVIEW_BYTES, "🚀"), ERROR_BODY_PREVIEW_BYTES);
    expect(record.body).toBe("🚀".repeat(12800));
    expect(record.bodyTruncated).toBe(false);
  });
});

describe("over protocol 2", () => {
  it("keeps the same preview of a body streamed as binary frames", async () => {
    const key = uniqueKey("preview-ws");
    const socket = await TestSocket.open(key);
    try {
      expect((await socket.nextText()).type).toBe("ready");
      const size = 70_000;
      const frame = await fullSyncFrame({ id: "big", affinity: key, body: "{}", upstream: { url: `${UPSTREAM}/v1/messages`, headers: filledError(size, "€") } });
      const outcome = await socketRequest(socket, frame);
      expect(outcome.body.byteLength).toBe(size);
      const [record] = await journaled(key);
      expect(record?.body).toBe("€".repeat(17066));
      expect(record?.bodyTruncated).toBe(true);
    } finally {
      socket.close();
    }
  });
});
