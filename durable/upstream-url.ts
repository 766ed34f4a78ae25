import type { RelayConfig } from "../src/config";
import { invalidRequest } from "../src/errors";

/**
 * Transparent mode's upstream URL: UPSTREAM_URL + the client's path and query. A path that would climb out of
 * UPSTREAM_URL's own path (`%2e%2e` segments survive the first parse and collapse in the second) is refused.
 */
export function transparentUpstreamUrl(clientUrl: URL, config: RelayConfig): URL {
  const base = config.upstreamUrl;
  const prefix = base.pathname.replace(/\/+$/, "");
  const target = new URL(`${base.origin}${prefix}${clientUrl.pathname}${clientUrl.search}`);
  if (target.origin !== base.origin || !(target.pathname === prefix || target.pathname.startsWith(`${prefix}/`))) {
    throw invalidRequest("the request path escapes UPSTREAM_URL");
  }
  return target;
}
