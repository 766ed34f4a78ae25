/**
 * Which headers cross the relay. Credentials for the upstream (`authorization`, `x-api-key`, ...) pass untouched;
 * the relay's own `x-relay-*` headers never reach the upstream, and hop-by-hop headers never cross in either
 * direction (RFC 9110 7.6.1), nor do the headers a `Connection` header names.
 */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Set by the runtime for the request it sends: forwarding the client's values would be wrong or rejected. */
const RECOMPUTED = new Set(["host", "content-length"]);

function connectionListed(headers: Headers): Set<string> {
  const listed = headers.get("connection") ?? "";
  return new Set(listed.split(",").map((name) => name.trim().toLowerCase()).filter(Boolean));
}

/** Headers for the upstream request. `cf-*` headers are Cloudflare's own annotations of the client connection. */
export function upstreamRequestHeaders(source: Headers | Record<string, string>): Headers {
  const input = source instanceof Headers ? source : new Headers(source);
  const listed = connectionListed(input);
  const out = new Headers();
  for (const [name, value] of input) {
    if (name.startsWith("x-relay-") || name.startsWith("cf-") || HOP_BY_HOP.has(name) || RECOMPUTED.has(name)) continue;
    if (listed.has(name)) continue;
    out.append(name, value);
  }
  return out;
}

/** Headers of the upstream response as the client receives them (the relay adds its request id). */
export function clientResponseHeaders(upstream: Headers): Headers {
  const listed = connectionListed(upstream);
  const out = new Headers();
  for (const [name, value] of upstream) {
    if (HOP_BY_HOP.has(name) || listed.has(name)) continue;
    out.append(name, value);
  }
  return out;
}
