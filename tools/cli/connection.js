// @ts-check
/**
 * Where the relay is and how to authenticate: `--url` / `--admin-token`, else the environment variables
 * AFFINITY_RELAY_URL / AFFINITY_RELAY_ADMIN_TOKEN. Flags win.
 */
import { usageError } from "./failures.js";

export const URL_VARIABLE = "AFFINITY_RELAY_URL";
export const TOKEN_VARIABLE = "AFFINITY_RELAY_ADMIN_TOKEN";

/** @typedef {{ origin: string, adminToken: string }} Connection */

/**
 * @param {{ url?: string, adminToken?: string }} flags @param {NodeJS.ProcessEnv} env
 * @returns {Connection}
 */
export function resolveConnection(flags, env) {
  const rawUrl = flags.url ?? (env[URL_VARIABLE] || undefined);
  if (rawUrl === undefined || rawUrl.trim() === "") {
    throw usageError(
      `no relay URL: pass --url https://affinity-relay.<account>.workers.dev or set ${URL_VARIABLE}`,
    );
  }
  const adminToken = flags.adminToken ?? (env[TOKEN_VARIABLE] || undefined);
  if (adminToken === undefined || adminToken === "") {
    throw usageError(
      `no admin token: set ${TOKEN_VARIABLE} to the relay's ADMIN_TOKEN secret (or pass --admin-token)`,
    );
  }
  return { origin: parseRelayUrl(rawUrl.trim()), adminToken };
}

/**
 * The relay's origin. The relay answers at the root of its host, so a path in the URL is ignored.
 * @param {string} raw
 */
function parseRelayUrl(raw) {
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`the relay URL '${raw}' is not a URL: give it with its scheme, e.g. https://${raw}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    if (/^[\w.-]+:\d+$/.test(raw)) throw usageError(`the relay URL '${raw}' has no scheme: use http://${raw} or https://${raw}`);
    throw usageError(`the relay URL must start with https:// or http://, not '${url.protocol}'`);
  }
  if (url.username !== "" || url.password !== "") {
    throw usageError("the relay URL must not hold credentials: the admin token goes in AFFINITY_RELAY_ADMIN_TOKEN");
  }
  return url.origin;
}
