import { RelayError } from "./errors";

/** The relay's settings, parsed once per isolate from the vars in wrangler.toml (defaults in the contract). */
export interface RelayConfig {
  upstreamUrl: URL;
  /** Origins protocol-1 envelopes may target. */
  allowlist: ReadonlySet<string>;
  errorTtlSeconds: number;
  errorBodyPreviewBytes: number;
  ignoreStatuses: ReadonlySet<number>;
  maxRequestBytes: number;
  upstreamTimeoutMs: number;
  wsCoalesceMs: number;
  wsCoalesceBytes: number;
  /** Bench-only switch (`JOURNAL_DISABLED=1`): measures what journaling costs. Not for production. */
  journalDisabled: boolean;
}

const DEFAULT_UPSTREAM_URL = "https://api.anthropic.com";
/** KV rejects an `expirationTtl` under 60 s. */
const MIN_TTL_SECONDS = 60;

type Vars = Partial<Record<string, unknown>>;

const cache = new WeakMap<object, RelayConfig>();

/** Parses the vars once per env object. A bad value is an operator error: 503 naming the var, never a guess. */
export function readConfig(env: object): RelayConfig {
  let config = cache.get(env);
  if (!config) {
    // SAFETY: env is a plain object of bindings; every read below narrows its value from unknown.
    config = parseConfig(env as Vars);
    cache.set(env, config);
  }
  return config;
}

function parseConfig(vars: Vars): RelayConfig {
  const upstreamUrl = parseUrl("UPSTREAM_URL", text(vars, "UPSTREAM_URL") || DEFAULT_UPSTREAM_URL);
  const listed = text(vars, "UPSTREAM_ALLOWLIST");
  const origins = listed ? listed.split(",").map((entry) => entry.trim()).filter(Boolean) : [upstreamUrl.origin];
  return {
    upstreamUrl,
    allowlist: new Set(origins.map((origin) => parseUrl("UPSTREAM_ALLOWLIST", origin).origin)),
    errorTtlSeconds: integer(vars, "ERROR_TTL_SECONDS", 604800, MIN_TTL_SECONDS),
    errorBodyPreviewBytes: integer(vars, "ERROR_BODY_PREVIEW_BYTES", 51200, 0),
    // Unlike the other vars, an empty ERROR_IGNORE_STATUSES is meaningful: journal every status.
    ignoreStatuses: parseStatuses(typeof vars.ERROR_IGNORE_STATUSES === "string" ? vars.ERROR_IGNORE_STATUSES : "403,429"),
    maxRequestBytes: integer(vars, "MAX_REQUEST_BYTES", 33554432, 1),
    upstreamTimeoutMs: integer(vars, "UPSTREAM_TIMEOUT_MS", 600000, 1),
    wsCoalesceMs: integer(vars, "WS_COALESCE_MS", 20, 0),
    wsCoalesceBytes: integer(vars, "WS_COALESCE_BYTES", 1024, 1),
    journalDisabled: text(vars, "JOURNAL_DISABLED") === "1",
  };
}

/** A var's trimmed value; `undefined` when unset. An empty string means "unset" for every var. */
function text(vars: Vars, name: string): string | undefined {
  const value = vars[name];
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

function misconfigured(name: string, expected: string): RelayError {
  return new RelayError(503, `relay misconfigured: ${name} must be ${expected}`);
}

function parseUrl(name: string, value: string): URL {
  const url = URL.canParse(value) ? new URL(value) : null;
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) throw misconfigured(name, "http(s) URLs");
  return url;
}

function integer(vars: Vars, name: string, fallback: number, min: number): number {
  const value = text(vars, name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < min) throw misconfigured(name, `an integer >= ${min}`);
  return parsed;
}

function parseStatuses(value: string): ReadonlySet<number> {
  const statuses = value.split(",").map((entry) => entry.trim()).filter(Boolean).map(Number);
  if (statuses.some((status) => !Number.isInteger(status) || status < 100 || status > 599)) {
    throw misconfigured("ERROR_IGNORE_STATUSES", "comma-separated HTTP statuses");
  }
  return new Set(statuses);
}

/** A secret's exact value, or `undefined` when it is unset or empty (both fail closed). */
export function readSecret(env: object, name: "RELAY_TOKEN" | "ADMIN_TOKEN"): string | undefined {
  // SAFETY: as in readConfig, the value is narrowed from unknown.
  const value = (env as Vars)[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}
