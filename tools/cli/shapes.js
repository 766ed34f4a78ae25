// @ts-check
/**
 * Runtime checks of the forensics API's answers, so that a URL that answers something else is reported as such
 * instead of crashing the formatter. They check what the CLI reads, not every field.
 */

/** @typedef {import("./types.js").ErrorRecord} ErrorRecord */
/** @typedef {import("./types.js").ErrorSummary} ErrorSummary */
/** @typedef {import("./types.js").ErrorPage} ErrorPage */
/** @typedef {import("./types.js").SessionInfo} SessionInfo */

/** @param {unknown} value @returns {value is Record<string, unknown>} */
function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** @param {unknown} value @returns {value is string | null} */
function isStringOrNull(value) {
  return value === null || typeof value === "string";
}

/** @param {unknown} value @returns {value is ErrorSummary} */
export function isSummary(value) {
  return (
    isObject(value) &&
    typeof value.id === "string" &&
    typeof value.at === "string" &&
    (value.status === null || typeof value.status === "number") &&
    typeof value.kind === "string" &&
    typeof value.transport === "string" &&
    isStringOrNull(value.affinity) &&
    typeof value.upstreamUrl === "string"
  );
}

/** @param {unknown} value @returns {value is ErrorRecord} */
export function isRecord(value) {
  return (
    isObject(value) &&
    typeof value.method === "string" &&
    isObject(value.headers) &&
    Object.values(value.headers).every((header) => typeof header === "string") &&
    isStringOrNull(value.body) &&
    isStringOrNull(value.message) &&
    isSummary(value)
  );
}

/** @param {unknown} value @returns {value is ErrorPage} */
export function isErrorPage(value) {
  return isObject(value) && Array.isArray(value.errors) && value.errors.every(isSummary) && isStringOrNull(value.cursor);
}

/** @param {unknown} value @returns {value is { errors: ErrorRecord[] }} */
export function isRecordList(value) {
  return isObject(value) && Array.isArray(value.errors) && value.errors.every(isRecord);
}

/** @param {unknown} value @returns {value is SessionInfo} */
export function isSessionInfo(value) {
  if (!isObject(value) || typeof value.errors !== "number" || !isObject(value.ignored)) return false;
  const { state } = value;
  return (
    (state === null ||
      (isObject(state) && typeof state.hash === "string" && typeof state.revision === "number" && typeof state.bytes === "number")) &&
    Object.values(value.ignored).every((count) => typeof count === "number")
  );
}
