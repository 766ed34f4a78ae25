// @ts-check
/**
 * Everything that ends a command early: a `CliError` carries the one-line message the user sees and the exit
 * code. Messages never contain the admin token (`redact` is a last guard for text that echoes user input).
 */

export const EXIT_OK = 0;
/** The relay could not be asked, refused, or answered something the CLI cannot use. */
export const EXIT_FAILURE = 1;
/** Bad arguments or missing configuration: nothing was sent. */
export const EXIT_USAGE = 2;

export class CliError extends Error {
  /** @param {string} message @param {number} [exitCode] */
  constructor(message, exitCode = EXIT_FAILURE) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** No answer came: connection refused, DNS, timeout... (`tail` waits these out). */
export class UnreachableError extends CliError {}

/** A bad argument or missing setting: the message says what to do instead. @param {string} message */
export function usageError(message) {
  return new CliError(message, EXIT_USAGE);
}

/** Shorter secrets are not scrubbed: they would match inside ordinary words (no real admin token is this short). */
const MIN_REDACTED_LENGTH = 8;

/**
 * Replaces every occurrence of the secret in `text` with "[redacted]".
 * @param {string} text @param {string | undefined} secret
 */
export function redact(text, secret) {
  return secret && secret.length >= MIN_REDACTED_LENGTH ? text.split(secret).join("[redacted]") : text;
}

/**
 * Why a fetch failed before any response came, in a few words: connection refused, DNS, timeout, TLS...
 * @param {unknown} error @param {number} timeoutMs
 */
export function describeNetworkError(error, timeoutMs) {
  if (error instanceof Error && error.name === "TimeoutError") return `no answer within ${formatSeconds(timeoutMs)}`;
  const code = errorCode(error);
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      return "host not found (DNS lookup failed)";
    case "ETIMEDOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
      return "connection timed out";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "host unreachable";
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
      return "the connection was closed before an answer came";
    default:
      if (code && /CERT|TLS|SSL/.test(code)) return `TLS failed (${code})`;
      return `network error (${code ?? causeMessage(error)})`;
  }
}

/** @param {number} ms */
export function formatSeconds(ms) {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** The innermost message of a fetch failure ("fetch failed" says nothing; its cause does). @param {unknown} error */
function causeMessage(error) {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

/** The `code` of a fetch failure's cause (undici wraps it; several addresses give an AggregateError). @param {unknown} error */
function errorCode(error) {
  /** @type {unknown} */
  let current = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    if ("code" in current && typeof current.code === "string") return current.code;
    if (current instanceof AggregateError && current.errors[0] instanceof Error) current = current.errors[0];
    else current = current.cause;
  }
  return undefined;
}
