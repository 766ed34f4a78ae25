/** Looking inside a session's Durable Object storage. */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";

export interface StoredBase {
  name: string | undefined;
  hash: string;
  revision: number;
  bytes: number;
  /** Byte length of each chunk row, in order. */
  chunkBytes: number[];
}

/** The session's stored base as its object sees it, or null when it has none. */
export async function storedBase(affinity: string): Promise<StoredBase | null> {
  const stub = env.SESSIONS.get(env.SESSIONS.idFromName(affinity));
  return runInDurableObject(stub, (_instance, state) => {
    const sql = state.storage.sql;
    const hasTable = sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'relay_base'").toArray();
    if (hasTable.length === 0) return null;
    const row = sql.exec<{ hash: string; revision: number; bytes: number }>("SELECT hash, revision, bytes FROM relay_base").toArray()[0];
    if (!row) return null;
    const chunks = sql.exec<{ size: number }>("SELECT length(data) AS size FROM relay_base_chunks ORDER BY seq").toArray();
    return { name: state.id.name, hash: row.hash, revision: row.revision, bytes: row.bytes, chunkBytes: chunks.map((c) => c.size) };
  });
}
