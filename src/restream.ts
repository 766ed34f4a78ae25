/**
 * The entry Worker's copy of a session object's response body. Re-streaming through a reader of our own (rather
 * than returning the object's response as is) is what makes a client that disconnects cancel the object's
 * stream, and with it the upstream request: workerd's native pass-through often does not propagate it.
 * It is also where a body that broke upstream is made to look broken: an event stream gets the contract's
 * closing `event: error`, starting on an event boundary; any other body is errored.
 */
import { chunkReader } from "./chunk-reader";

const encoder = new TextEncoder();

export function isEventStream(headers: Headers): boolean {
  return (headers.get("content-type") ?? "").toLowerCase().startsWith("text/event-stream");
}

/** The contract's closing event for a broken event stream (the Anthropic error shape, so SDKs raise it). */
export function streamBrokenEvent(): string {
  const data = JSON.stringify({
    type: "error",
    error: { type: "upstream_stream_broken", message: "the upstream stream broke off before it was complete" },
  });
  return `event: error\ndata: ${data}\n\n`;
}

/** `onCancel` runs when the client goes away mid-body (after the object's stream is cancelled too). */
export function restream(response: Response, options: { onCancel?: () => void } = {}): Response {
  if (response.webSocket || response.body === null) return response;
  const reader = chunkReader(response.body);
  const tail = isEventStream(response.headers) ? new EventBoundary() : null;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk: Uint8Array | null;
        try {
          chunk = await reader.read();
        } catch {
          if (tail === null) {
            // The object's error may carry internal detail; the client only learns that the body broke.
            controller.error(new Error("the upstream stream broke off before it was complete"));
            return;
          }
          // Closed rather than errored once the event is out: an SSE client raises on the event, and an abort
          // here would reach the client as a clean end anyway (and poisons wrangler dev's pooled connection).
          controller.enqueue(encoder.encode(tail.prefix() + streamBrokenEvent()));
          controller.close();
          return;
        }
        if (chunk === null) {
          controller.close();
          return;
        }
        tail?.track(chunk);
        controller.enqueue(chunk);
      },
      cancel(reason) {
        options.onCancel?.();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, response);
}

/**
 * Remembers the last bytes of an event stream, enough to know what closes a partial event so that an appended
 * event stands on its own: a blank line ends an event, a line end ends a line.
 */
class EventBoundary {
  #tail = "";

  track(chunk: Uint8Array): void {
    const start = Math.max(0, chunk.byteLength - 4);
    let last = "";
    for (let index = start; index < chunk.byteLength; index += 1) last += String.fromCharCode(chunk[index] ?? 0);
    this.#tail = (this.#tail + last).slice(-4);
  }

  prefix(): string {
    const tail = this.#tail;
    if (tail === "" || tail.endsWith("\n\n") || tail.endsWith("\r\r") || tail.endsWith("\r\n\r\n")) return "";
    if (tail.endsWith("\n") || tail.endsWith("\r")) return "\n";
    return "\n\n";
  }
}
