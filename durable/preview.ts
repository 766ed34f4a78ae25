import { concatBytes } from "../src/bytes";

/** Keeps the first `limit` bytes of a body, as references to the chunks, copying only the last partial one. */
export class Preview {
  readonly #limit: number;
  readonly #chunks: Uint8Array[] = [];
  #kept = 0;
  truncated = false;

  constructor(limit: number) {
    this.#limit = limit;
  }

  take(chunk: Uint8Array): void {
    const room = this.#limit - this.#kept;
    if (chunk.byteLength > room) this.truncated = true;
    if (room <= 0) return;
    const kept = chunk.byteLength > room ? chunk.slice(0, room) : chunk;
    this.#chunks.push(kept);
    this.#kept += kept.byteLength;
  }

  bytes(): Uint8Array {
    return concatBytes(this.#chunks);
  }
}
