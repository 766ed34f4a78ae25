/**
 * The session's last request body (its "base"), with the hash and revision the client knows it by. Bodies can
 * be many megabytes, so they live as UTF-8 chunks under SQLite's 2 MB row limit and are rebuilt only when a patch
 * needs them; nothing keeps a copy in memory between requests.
 */

/** Well under the 2 MB row limit. */
const CHUNK_BYTES = 1024 * 1024;

export interface BaseState {
  hash: string;
  revision: number;
  bytes: number;
}

export class SessionBases {
  readonly #storage: DurableObjectStorage;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
  }

  state(): BaseState | null {
    const row = this.#storage.sql
      .exec<{ hash: string; revision: number; bytes: number }>("SELECT hash, revision, bytes FROM relay_base WHERE id = 1")
      .toArray()[0];
    return row ? { hash: row.hash, revision: row.revision, bytes: row.bytes } : null;
  }

  /** The stored body as text. Chunks may split a UTF-8 sequence; the streaming decoder joins them back. */
  readBody(): string {
    const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    const parts: string[] = [];
    for (const row of this.#storage.sql.exec<{ data: ArrayBuffer }>("SELECT data FROM relay_base_chunks ORDER BY seq")) {
      parts.push(decoder.decode(row.data, { stream: true }));
    }
    parts.push(decoder.decode());
    return parts.join("");
  }

  /** Replaces the base atomically: a crash mid-write leaves the previous base, never half of the new one. */
  write(body: Uint8Array, state: Omit<BaseState, "bytes">): void {
    const sql = this.#storage.sql;
    this.#storage.transactionSync(() => {
      sql.exec("DELETE FROM relay_base_chunks");
      for (let offset = 0, seq = 0; offset < body.length; offset += CHUNK_BYTES, seq += 1) {
        sql.exec("INSERT INTO relay_base_chunks (seq, data) VALUES (?, ?)", seq, toArrayBuffer(body.subarray(offset, offset + CHUNK_BYTES)));
      }
      sql.exec(
        `INSERT INTO relay_base (id, hash, revision, bytes, updated_at) VALUES (1, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, revision = excluded.revision,
           bytes = excluded.bytes, updated_at = excluded.updated_at`,
        state.hash,
        state.revision,
        body.length,
        Date.now(),
      );
    });
  }
}

/** SQLite binds ArrayBuffers, not views: copy only when the view does not cover its whole buffer. */
function toArrayBuffer(view: Uint8Array): ArrayBuffer {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer) {
    return view.buffer;
  }
  return view.slice().buffer;
}
