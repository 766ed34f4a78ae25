import { readSecret } from "./config";
import { RelayError } from "./errors";

const encoder = new TextEncoder();

/**
 * Compares two secrets in constant time. Both sides are hashed first so that neither the comparison nor an
 * early length check can tell an attacker how much of a guess was right, or how long the secret is.
 */
export async function isSameSecret(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([digest(presented), digest(expected)]);
  return crypto.subtle.timingSafeEqual(a, b);
}

async function digest(value: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", encoder.encode(value));
}

/**
 * Authenticates a relayed request: `x-relay-token`, or (WebSocket upgrades only, for old clients) the `token`
 * query parameter. An unset RELAY_TOKEN fails closed.
 */
export async function authenticateClient(
  request: Request,
  env: Env,
  options: { allowQueryToken: boolean },
): Promise<void> {
  const expected = readSecret(env, "RELAY_TOKEN");
  if (expected === undefined) throw new RelayError(503, "relay not configured: RELAY_TOKEN is not set");
  let presented = request.headers.get("x-relay-token");
  if (presented === null && options.allowQueryToken) presented = new URL(request.url).searchParams.get("token");
  if (presented === null || !(await isSameSecret(presented, expected))) {
    throw new RelayError(401, presented === null ? "missing relay token" : "invalid relay token");
  }
}

/** Authenticates a forensics request. Forensics do not exist (404) until ADMIN_TOKEN is set. */
export async function authenticateAdmin(request: Request, env: Env): Promise<void> {
  const expected = readSecret(env, "ADMIN_TOKEN");
  if (expected === undefined) throw new RelayError(404, "not found");
  const presented = request.headers.get("x-relay-admin-token");
  if (presented === null || !(await isSameSecret(presented, expected))) {
    throw new RelayError(401, presented === null ? "missing admin token" : "invalid admin token");
  }
}
