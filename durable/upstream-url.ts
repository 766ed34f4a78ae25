import type { RelayConfig } from "../src/config";
import { invalidRequest } from "../src/errors";

/** Rounds of percent-decoding checked for hidden dot segments (`%252e%252e` needs two). */
const DECODE_ROUNDS = 3;

/**
 * Transparent mode's upstream URL: UPSTREAM_URL + the client's path and query. A path that could climb out of
 * UPSTREAM_URL's own path is refused: dot segments the URL parser resolves are caught by the prefix check, and
 * encoded ones (`..%2f`, `%2e%2e%5c`, double-encoded forms) that an upstream or a proxy in front of it might
 * decode later are refused outright. No API path needs them.
 */
export function transparentUpstreamUrl(clientUrl: URL, config: RelayConfig): URL {
  if (hasHiddenDotSegment(clientUrl.pathname)) throw invalidRequest("the request path has encoded dot segments");
  const base = config.upstreamUrl;
  const prefix = base.pathname.replace(/\/+$/, "");
  const target = new URL(`${base.origin}${prefix}${clientUrl.pathname}${clientUrl.search}`);
  if (target.origin !== base.origin || !(target.pathname === prefix || target.pathname.startsWith(`${prefix}/`))) {
    throw invalidRequest("the request path escapes UPSTREAM_URL");
  }
  return target;
}

function hasHiddenDotSegment(path: string): boolean {
  let decoded = path;
  for (let round = 0; round < DECODE_ROUNDS; round += 1) {
    const next = safeDecode(decoded);
    if (next === decoded) break;
    decoded = next;
    if (decoded.split(/[/\\]/).some((segment) => segment === "." || segment === "..")) return true;
  }
  return false;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
