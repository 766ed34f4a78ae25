// @ts-check
/**
 * The forensics API client. Every request carries the admin token in `x-relay-admin-token`, has a deadline, and
 * never follows a redirect (that would hand the token to another origin). When an answer is not what the API
 * gives, the client finds out why before it reports: it asks `GET /` whether this is an affinity-relay at all,
 * and tells a relay without forensics (404 everywhere under /_relay/) from an unknown record.
 */
import { TOKEN_VARIABLE } from "./connection.js";
import { CliError, describeNetworkError, UnreachableError } from "./failures.js";
import { isErrorPage, isRecord, isRecordList, isSessionInfo } from "./shapes.js";

/** @typedef {import("./types.js").ErrorRecord} ErrorRecord */
/** @typedef {import("./types.js").ErrorPage} ErrorPage */
/** @typedef {import("./types.js").SessionInfo} SessionInfo */
/** @typedef {{ status: number, text: string, location: string | null }} Answer */

export const DEFAULT_TIMEOUT_MS = 15_000;

export class RelayClient {
  /**
   * @param {{ origin: string, adminToken: string, timeoutMs?: number, userAgent?: string, signal?: AbortSignal }} options
   */
  constructor({ origin, adminToken, timeoutMs = DEFAULT_TIMEOUT_MS, userAgent = "affinity-relay-cli", signal }) {
    this.origin = origin;
    this.timeoutMs = timeoutMs;
    this.signal = signal;
    this.#adminToken = adminToken;
    this.#userAgent = userAgent;
  }

  #adminToken;
  #userAgent;

  /**
   * One page of the global listing (or one session's, with `session`), newest first.
   * @param {{ limit: number, cursor?: string | null, session?: string, status?: number }} query
   * @returns {Promise<ErrorPage>}
   */
  listErrors({ limit, cursor, session, status }) {
    const params = new URLSearchParams({ limit: String(limit) });
    if (cursor) params.set("cursor", cursor);
    if (session !== undefined) params.set("session", session);
    if (status !== undefined) params.set("status", String(status));
    return this.#get(`/_relay/errors?${params}`, isErrorPage);
  }

  /** @param {string} id @returns {Promise<ErrorRecord>} */
  record(id) {
    return this.#get(`/_relay/errors/${encodeURIComponent(id)}`, isRecord, {
      notFound: `no error record ${id} on this relay (unknown id, or expired: records are kept ERROR_TTL_SECONDS, 7 days by default)`,
    });
  }

  /** @param {string} key @returns {Promise<SessionInfo>} */
  sessionInfo(key) {
    return this.#get(`/_relay/sessions/${encodeURIComponent(key)}`, isSessionInfo);
  }

  /** The session's own journal, newest first. @param {string} key @param {number} limit @returns {Promise<{ errors: ErrorRecord[] }>} */
  sessionErrors(key, limit) {
    return this.#get(`/_relay/sessions/${encodeURIComponent(key)}/errors?limit=${limit}`, isRecordList);
  }

  /**
   * @template T
   * @param {string} path @param {(value: unknown) => value is T} isExpected
   * @param {{ notFound?: string }} [options] what a 404 means when forensics are on (absent: forensics are off)
   * @returns {Promise<T>}
   */
  async #get(path, isExpected, options = {}) {
    const answer = await this.#fetch(path, true);
    if (answer.status >= 200 && answer.status < 300) {
      const value = parseJson(answer.text);
      if (isExpected(value)) return value;
      await this.#requireRelay();
      throw new CliError(`the relay at ${this.origin} answered ${path.split("?")[0]} with JSON the CLI does not understand (a different version?)`);
    }
    await this.#requireRelay();
    const reason = apiMessage(answer.text);
    switch (answer.status) {
      case 401:
        throw new CliError(
          `the relay rejected the admin token (401${reason ? ` ${reason}` : ""}): check ${TOKEN_VARIABLE} or --admin-token against the relay's ADMIN_TOKEN secret`,
        );
      case 404:
        if (options.notFound !== undefined && (await this.#forensicsEnabled())) throw new CliError(options.notFound);
        throw new CliError(`forensics are disabled on this relay (${this.origin}): set ADMIN_TOKEN with \`wrangler secret put ADMIN_TOKEN\``);
      case 400:
        throw new CliError(`the relay refused the request: ${reason ?? "400 Bad Request"}`);
      default:
        if (answer.status >= 300 && answer.status < 400) throw redirected(this.origin, answer);
        throw new CliError(`the relay answered ${answer.status}${reason ? `: ${reason}` : ""}`);
    }
  }

  /** Whether the forensics API exists: its listing answers (404: ADMIN_TOKEN is not set). */
  async #forensicsEnabled() {
    return (await this.#fetch("/_relay/errors?limit=1", true)).status !== 404;
  }

  /** Throws unless `GET /` answers with the relay's health JSON. */
  async #requireRelay() {
    const answer = await this.#fetch("/", false);
    if (answer.status >= 300 && answer.status < 400) throw redirected(this.origin, answer);
    const health = parseJson(answer.text);
    if (answer.status === 200 && isHealth(health)) return;
    const what = health === undefined ? "no JSON" : "other JSON";
    throw new CliError(
      `${this.origin} is not an affinity-relay: GET / answered ${answer.status} with ${what}, not the relay's health JSON; check --url or AFFINITY_RELAY_URL`,
    );
  }

  /**
   * @param {string} path @param {boolean} withToken
   * @returns {Promise<Answer>}
   */
  async #fetch(path, withToken) {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = this.signal ? AbortSignal.any([this.signal, timeout]) : timeout;
    /** @type {Record<string, string>} */
    const headers = { accept: "application/json", "user-agent": this.#userAgent };
    if (withToken) headers["x-relay-admin-token"] = this.#adminToken;
    try {
      const response = await fetch(`${this.origin}${path}`, { headers, signal, redirect: "manual" });
      const text = await response.text();
      return { status: response.status, text, location: response.headers.get("location") };
    } catch (error) {
      if (this.signal?.aborted) throw error;
      throw new UnreachableError(`cannot reach the relay at ${this.origin}: ${describeNetworkError(error, this.timeoutMs)}`);
    }
  }
}

/** @param {string} origin @param {Answer} answer */
function redirected(origin, answer) {
  let target = answer.location ?? "elsewhere";
  try {
    target = new URL(target, origin).origin;
  } catch {
    // keep it as given
  }
  return new CliError(`${origin} redirects (${answer.status}) to ${target}: use that as the relay URL (the CLI does not follow redirects with the admin token)`);
}

/** @param {string} text @returns {unknown} */
function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The message of the relay's error JSON, `{"type":"error","error":{"type","message"}}`. @param {string} text */
function apiMessage(text) {
  const value = parseJson(text);
  if (typeof value !== "object" || value === null || !("error" in value)) return undefined;
  const { error } = value;
  if (typeof error !== "object" || error === null || !("message" in error)) return undefined;
  return typeof error.message === "string" ? error.message : undefined;
}

/** `GET /` of an affinity-relay: `{"status":"ok","service":"affinity-relay",...}`. @param {unknown} value */
function isHealth(value) {
  if (typeof value !== "object" || value === null || !("status" in value) || value.status !== "ok") return false;
  return "service" in value && value.service === "affinity-relay";
}
