/** Searching what the suite left behind for canary values: text, and every file under a directory, as raw bytes. */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** Where each canary was found: `{ name: [places] }`, with an empty list for every canary that was not. */
export type Hits = Record<string, string[]>;

export function emptyHits(canaries: Record<string, string>): Hits {
  return Object.fromEntries(Object.keys(canaries).map((name) => [name, []]));
}

/** Records in `hits` every canary that occurs in `bytes`, as found at `place`. */
export function scanBytes(bytes: Buffer, place: string, canaries: Record<string, string>, hits: Hits): void {
  for (const [name, value] of Object.entries(canaries)) if (bytes.includes(Buffer.from(value, "utf8"))) hits[name]?.push(place);
}

export function listFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(path));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/** Scans every file under `dir` (SQLite databases, their WAL and journal files, KV blobs) byte for byte. */
export function scanDirectory(dir: string, canaries: Record<string, string>, hits: Hits): string[] {
  const files = listFiles(dir);
  for (const file of files) scanBytes(readFileSync(file), relative(dir, file), canaries, hits);
  return files;
}

/** The files under `dir` whose bytes contain `text`. */
export function filesContaining(dir: string, text: string): string[] {
  const needle = Buffer.from(text, "utf8");
  return listFiles(dir).filter((file) => readFileSync(file).includes(needle)).map((file) => relative(dir, file));
}
