/**
 * The forensics API under `/_relay/`: authenticated with `x-relay-admin-token`, absent (404) while ADMIN_TOKEN is
 * unset. Global listings and single records come from KV; a session's own journal and summary come from its
 * object over RPC. Newest first everywhere.
 */
import { parseAffinity } from "./affinity";
import { authenticateAdmin } from "./auth";
import { invalidRequest, RelayError } from "./errors";
import { GLOBAL_PREFIX, globalKey, isUlid, sessionPrefix } from "./kv-layout";
import { type ErrorMetadata, type ErrorRecord, type ErrorSummary, toSummary } from "./records";

const LIST_DEFAULT = 50;
const LIST_MAX = 1000;
const SESSION_RECORDS_DEFAULT = 20;
const SESSION_RECORDS_MAX = 100;
/** Keys per KV list call. */
const PAGE = 1000;
/** Pages one listing may scan for a status filter before it answers with what it found and a cursor. */
const MAX_PAGES_PER_CALL = 10;

export async function routeForensics(request: Request, env: Env): Promise<Response | null> {
  await authenticateAdmin(request, env);
  const url = new URL(request.url);
  const parts = url.pathname.slice("/_relay/".length).split("/").map(decodeSegment);
  if (request.method !== "GET") throw new RelayError(405, "the forensics API is read-only: use GET");
  if (parts[0] === "errors" && parts.length === 1) return json(await listErrors(env, url.searchParams));
  if (parts[0] === "errors" && parts.length === 2) return recordResponse(env, parts[1] ?? "");
  if (parts[0] === "sessions" && (parts.length === 2 || (parts.length === 3 && parts[2] === "errors"))) {
    const affinity = parseAffinity(parts[1], "the session key");
    if (affinity === null) throw invalidRequest("the session key is missing");
    const session = env.SESSIONS.get(env.SESSIONS.idFromName(affinity));
    if (parts.length === 2) return json(await session.sessionInfo());
    const limit = parseLimit(url.searchParams.get("limit"), SESSION_RECORDS_DEFAULT, SESSION_RECORDS_MAX);
    return json({ errors: await session.errorRecords(limit) });
  }
  return null;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalidRequest("the path is not valid percent-encoding");
  }
}

function json(value: unknown): Response {
  return Response.json(value, { headers: { "cache-control": "no-store" } });
}

async function recordResponse(env: Env, id: string): Promise<Response> {
  if (!isUlid(id)) throw invalidRequest("a record id is a ULID (26 Crockford base32 characters)");
  const text = await env.RELAY_STATE.get(globalKey(id), "text");
  if (text === null) throw new RelayError(404, `no error record ${id} in KV (it may have expired)`);
  return new Response(text, { headers: { "content-type": "application/json", "cache-control": "no-store" } });
}

function parseLimit(raw: string | null, fallback: number, max: number): number {
  if (raw === null) return fallback;
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || limit < 1 || limit > max) throw invalidRequest(`limit must be an integer from 1 to ${max}`);
  return limit;
}

function parseStatus(raw: string | null): number | null {
  if (raw === null) return null;
  const status = Number(raw);
  if (!/^\d{3}$/.test(raw) || status < 100 || status > 599) throw invalidRequest("status must be an HTTP status (100-599)");
  return status;
}

/**
 * A listing position: the KV cursor of the page to read (null: the first) and the last key already returned
 * (or scanned). Keys ascend from newest to oldest, so skipping every key up to `k` resumes exactly after it, even
 * when newer records have arrived at the front of the listing in between.
 */
interface ListCursor {
  c: string | null;
  k: string;
}

function encodeCursor(cursor: ListCursor): string {
  return btoa(JSON.stringify(cursor)).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

function decodeCursor(raw: string | null, prefix: string): ListCursor {
  if (raw === null || raw === "") return { c: null, k: "" };
  try {
    const value: unknown = JSON.parse(atob(raw.replaceAll("-", "+").replaceAll("_", "/")));
    if (typeof value === "object" && value !== null && "c" in value && "k" in value) {
      const { c, k } = value;
      // A cursor belongs to the listing (prefix) that issued it.
      if ((c === null || typeof c === "string") && typeof k === "string" && k.startsWith(prefix)) return { c, k };
    }
  } catch {
    // fall through
  }
  throw invalidRequest("cursor is not one this API returned for this listing");
}

async function listErrors(env: Env, params: URLSearchParams): Promise<{ errors: ErrorSummary[]; cursor: string | null }> {
  const limit = parseLimit(params.get("limit"), LIST_DEFAULT, LIST_MAX);
  const status = parseStatus(params.get("status"));
  const session = parseAffinity(params.get("session"), "session");
  const prefix = session === null ? GLOBAL_PREFIX : await sessionPrefix(session);
  let position = decodeCursor(params.get("cursor"), prefix);
  const errors: ErrorSummary[] = [];
  for (let pages = 0; pages < MAX_PAGES_PER_CALL; pages += 1) {
    const page = await env.RELAY_STATE.list<ErrorMetadata>({ prefix, limit: PAGE, cursor: position.c });
    for (const key of page.keys) {
      if (key.name <= position.k) continue;
      position = { c: position.c, k: key.name };
      const summary = await summaryOf(env, key);
      if (summary === null || (status !== null && summary.status !== status)) continue;
      errors.push(summary);
      if (errors.length === limit) {
        const more = !page.list_complete || key !== page.keys[page.keys.length - 1];
        return { errors, cursor: more ? encodeCursor(position) : null };
      }
    }
    if (page.list_complete) return { errors, cursor: null };
    position = { c: page.cursor, k: position.k };
  }
  // The scan budget is spent (a rare status over a long history): answer what was found, and where to go on.
  return { errors, cursor: encodeCursor(position) };
}

/** A key's summary: its metadata, or the record itself when the metadata had to be shortened (null: expired). */
async function summaryOf(env: Env, key: KVNamespaceListKey<ErrorMetadata>): Promise<ErrorSummary | null> {
  const meta = key.metadata;
  if (meta && !meta.cut) return meta;
  const record = await env.RELAY_STATE.get<ErrorRecord>(key.name, "json");
  return record === null ? null : toSummary(record);
}
