/**
 * Where error records live in KV (`RELAY_STATE`). KV lists keys in ascending order, so each key carries the
 * record's ULID inverted (every Crockford base32 digit d becomes 31 - d): ascending keys are newest first.
 *
 *   errors/<inverted id>                          every record, all sessions
 *   sessions/<session segment>/errors/<inverted id>  the same record, under its session
 *
 * The session segment is the affinity key percent-encoded (so `/` and `:` cannot break the layout), or, when
 * that would be longer than 200 characters, `#` followed by the first 32 hex digits of its SHA-256 (`#` is
 * always percent-encoded in the other form, so the two never collide). Records without a session appear only
 * under `errors/`. Both keys hold the full record as JSON and its summary as metadata.
 */
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const MAX_SEGMENT_LENGTH = 200;

export const GLOBAL_PREFIX = "errors/";

export function isUlid(value: string): boolean {
  return ULID.test(value);
}

/** Maps a ULID to its mirror image in sort order (an involution: applying it twice gives the id back). */
export function invertUlid(id: string): string {
  let out = "";
  for (const char of id) out += CROCKFORD[31 - CROCKFORD.indexOf(char)] ?? char;
  return out;
}

export function globalKey(id: string): string {
  return `${GLOBAL_PREFIX}${invertUlid(id)}`;
}

export async function sessionPrefix(affinity: string): Promise<string> {
  return `sessions/${await sessionSegment(affinity)}/errors/`;
}

export async function sessionKey(affinity: string, id: string): Promise<string> {
  return `${await sessionPrefix(affinity)}${invertUlid(id)}`;
}

/** The record id at the end of a key of either form. */
export function idFromKey(key: string): string {
  return invertUlid(key.slice(key.lastIndexOf("/") + 1));
}

async function sessionSegment(affinity: string): Promise<string> {
  const encoded = encodeURIComponent(affinity);
  if (encoded.length <= MAX_SEGMENT_LENGTH) return encoded;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(affinity)));
  return `#${Array.from(digest.subarray(0, 16), (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}
