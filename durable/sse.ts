/**
 * An incremental Server-Sent Events scanner. It watches bytes on their way to the client and never holds one
 * back: it only remembers enough to spot an `event: error` (how Anthropic reports an overload mid-answer) and
 * keep its data. Lines may end in LF, CRLF or CR, split anywhere across chunks.
 */
import { concatBytes } from "../src/bytes";

const LF = 0x0a;
const CR = 0x0d;
/** Lines longer than this are only needed up to their field name; longer data is cut at this many bytes. */
const MAX_KEPT_LINE_BYTES = 16 * 1024;
const decoder = new TextDecoder();

export class SseScanner {
  /** Data of every `event: error` seen so far (each cut at MAX_KEPT_LINE_BYTES). */
  readonly errorEvents: string[] = [];
  #line: Uint8Array[] = [];
  #lineBytes = 0;
  #skipLeadingLf = false;
  #eventType = "";
  #data: string[] = [];

  scan(chunk: Uint8Array): void {
    let position = 0;
    if (this.#skipLeadingLf && chunk.length > 0) {
      this.#skipLeadingLf = false;
      if (chunk[0] === LF) position = 1;
    }
    while (position < chunk.length) {
      const end = findLineEnd(chunk, position);
      if (end === -1) {
        this.#keep(chunk.subarray(position));
        return;
      }
      this.#keep(chunk.subarray(position, end));
      this.#endLine();
      position = end + 1;
      if (chunk[end] === CR) {
        // CRLF is one line end, possibly split across two chunks.
        if (position === chunk.length) this.#skipLeadingLf = true;
        else if (chunk[position] === LF) position += 1;
      }
    }
  }

  #keep(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const room = MAX_KEPT_LINE_BYTES - this.#lineBytes;
    if (room > 0) {
      this.#line.push(bytes.length > room ? bytes.slice(0, room) : bytes.slice());
      this.#lineBytes += Math.min(room, bytes.length);
    }
  }

  #endLine(): void {
    const line = this.#takeLine();
    if (line === "") {
      this.#dispatch();
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.#eventType = value;
    else if (field === "data") this.#data.push(value);
  }

  #takeLine(): string {
    if (this.#line.length === 0) return "";
    const text = decoder.decode(concatBytes(this.#line));
    this.#line = [];
    this.#lineBytes = 0;
    return text;
  }

  #dispatch(): void {
    if (this.#eventType === "error") this.errorEvents.push(this.#data.join("\n"));
    this.#eventType = "";
    this.#data = [];
  }
}

function findLineEnd(chunk: Uint8Array, from: number): number {
  const lf = chunk.indexOf(LF, from);
  const cr = chunk.indexOf(CR, from);
  if (cr === -1) return lf;
  if (lf === -1) return cr;
  return Math.min(lf, cr);
}

