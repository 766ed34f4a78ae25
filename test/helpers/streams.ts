/** Reading response bodies piece by piece, and parsing SSE the way a client does. */
const decoder = new TextDecoder();

/** Reads chunks until the decoded text so far contains `marker`; returns that text. Fails at the end of the body. */
export async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, marker: string): Promise<string> {
  const parts: Uint8Array[] = [];
  let text = "";
  while (!text.includes(marker)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`body ended before ${JSON.stringify(marker)}; got ${JSON.stringify(text)}`);
    parts.push(value);
    text = decoder.decode(concatBytes(parts));
  }
  return text;
}

/** Reads the rest of a body as text. */
export async function readRest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return decoder.decode(concatBytes(parts));
    parts.push(value);
  }
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

export interface ParsedEvent {
  event: string;
  data: string;
}

/**
 * Splits an event stream into the events an SSE client dispatches (WHATWG rules: LF, CR or CRLF line ends, a
 * blank line dispatches, `event` and `data` fields). A trailing event without its blank line is not dispatched.
 */
export function parseEventStream(text: string): ParsedEvent[] {
  const events: ParsedEvent[] = [];
  let event = "";
  let data: string[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  lines.pop();
  for (const line of lines) {
    if (line === "") {
      if (data.length > 0) events.push({ event: event || "message", data: data.join("\n") });
      event = "";
      data = [];
      continue;
    }
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    if (field === "data") data.push(value);
  }
  return events;
}

/** What must close an event stream after `arrived` so that a following event stands on its own. */
function eventSeparator(arrived: string): string {
  if (arrived === "" || /(\n\n|\r\r|\r\n\r\n)$/.test(arrived)) return "";
  if (/[\r\n]$/.test(arrived)) return "\n";
  return "\n\n";
}

/**
 * Asserts that an SSE body is exactly the bytes that arrived from the upstream, then the contract's closing
 * `event: error` with `upstream_stream_broken` data, as a separate event. Returns the error message.
 */
export function expectStreamBrokenTail(body: string, arrived: string): string {
  if (!body.startsWith(arrived)) throw new Error(`the body does not start with what arrived: ${JSON.stringify(body)}`);
  const tail = body.slice(arrived.length);
  const separator = eventSeparator(arrived);
  const match = /^event: error\ndata: ([^\n]*)\n\n$/.exec(tail.slice(separator.length));
  if (!tail.startsWith(separator) || !match?.[1]) {
    throw new Error(`not a separate closing error event after the bytes that arrived: ${JSON.stringify(tail)}`);
  }
  const data: unknown = JSON.parse(match[1]);
  if (typeof data !== "object" || data === null || !("error" in data) || typeof data.error !== "object" || data.error === null) {
    throw new Error(`the error event's data is not the error shape: ${match[1]}`);
  }
  const message = "message" in data.error ? data.error.message : undefined;
  if (typeof message !== "string" || message === "") throw new Error(`no message in ${match[1]}`);
  const expected = { type: "error", error: { type: "upstream_stream_broken", message } };
  if (JSON.stringify(data) !== JSON.stringify(expected)) throw new Error(`unexpected error data: ${match[1]}`);
  const last = parseEventStream(body).at(-1);
  if (last?.event !== "error") throw new Error("an SSE client would not see the error event last");
  return message;
}
