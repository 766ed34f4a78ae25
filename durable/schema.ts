/**
 * The session object's SQLite schema. Every table carries the `relay_` prefix; migrations are additive and run
 * once, in order, recorded by version in `relay_meta`. Called only from the object's init gate.
 */
const MIGRATIONS: readonly string[] = [
  // 1: the session's last request body (chunked under the 2 MB row limit), the error journal, the KV outbox,
  // and counters of ignored statuses.
  `CREATE TABLE IF NOT EXISTS relay_base (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     hash TEXT NOT NULL,
     revision INTEGER NOT NULL,
     bytes INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE IF NOT EXISTS relay_base_chunks (seq INTEGER PRIMARY KEY, data BLOB NOT NULL);
   CREATE TABLE IF NOT EXISTS relay_journal (
     id TEXT PRIMARY KEY,
     at INTEGER NOT NULL,
     record TEXT NOT NULL
   );
   CREATE INDEX IF NOT EXISTS relay_journal_at ON relay_journal (at);
   CREATE TABLE IF NOT EXISTS relay_outbox (
     id TEXT PRIMARY KEY,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL
   );
   CREATE TABLE IF NOT EXISTS relay_ignored (status INTEGER PRIMARY KEY, count INTEGER NOT NULL);`,
];

export function migrateSchema(sql: SqlStorage): void {
  sql.exec("CREATE TABLE IF NOT EXISTS relay_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  const row = sql.exec<{ value: string }>("SELECT value FROM relay_meta WHERE key = 'schema_version'").toArray()[0];
  const current = row ? Number(row.value) : 0;
  for (let version = current + 1; version <= MIGRATIONS.length; version += 1) {
    sql.exec(MIGRATIONS[version - 1] ?? "");
    sql.exec(
      "INSERT INTO relay_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      String(version),
    );
  }
}
