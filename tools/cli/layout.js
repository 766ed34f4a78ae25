// @ts-check
/**
 * Detail views: one error record (`errors show`) and one session's summary (`session`), laid out for reading.
 */
import { printable } from "./table.js";

/** @typedef {import("./types.js").ErrorRecord} ErrorRecord */
/** @typedef {import("./types.js").SessionInfo} SessionInfo */

const INDENT = "  ";

/** `label  value` lines with the values aligned. @param {Array<[string, string]>} fields */
function fieldLines(fields) {
  const width = Math.max(...fields.map(([label]) => label.length));
  return fields.map(([label, value]) => `${INDENT}${label.padEnd(width)}  ${value}`);
}

/** @param {number} count @param {string} one @param {string} [many] */
export function plural(count, one, many = `${one}s`) {
  return `${count.toLocaleString("en-US")} ${count === 1 ? one : many}`;
}

/** JSON text pretty-printed; anything else as it is. @param {string} text */
function prettyIfJson(text) {
  try {
    return { text: JSON.stringify(JSON.parse(text), null, 2), json: true };
  } catch {
    return { text, json: false };
  }
}

/** @param {string} text */
function indentBlock(text) {
  return printable(text, { multiline: true }).split("\n").map((row) => `${INDENT}${row}`.trimEnd());
}

/** @param {ErrorRecord} record @returns {string[]} */
export function recordLines(record) {
  const status = record.status === null ? "none (no response came)" : `${record.status} ${record.statusText}`.trim();
  /** @type {Array<[string, string]>} */
  const fields = [
    ["time", printable(record.at)],
    ["session", record.affinity === null ? "none (a request without x-session-affinity)" : printable(record.affinity)],
    ["request id", `${printable(record.requestId)}${record.transport === "http" ? " (the response's x-relay-request-id)" : ""}`],
    ["transport", `${printable(record.transport)}, protocol ${printable(String(record.protocol))}`],
    ["kind", printable(record.kind)],
    ["request", `${printable(record.method)} ${printable(record.upstreamUrl)} (${plural(record.requestBodyBytes, "byte")} of body)`],
    ["status", printable(status)],
    ["duration", `${record.durationMs.toLocaleString("en-US")} ms`],
  ];
  const lines = [`Error record ${printable(record.id)}`, ...fieldLines(fields)];
  if (record.message !== null) {
    const message = prettyIfJson(record.message);
    lines.push("", "Message", ...indentBlock(message.text));
  }
  const headers = Object.entries(record.headers);
  lines.push("", `Upstream response headers (${headers.length})`);
  if (headers.length === 0) lines.push(`${INDENT}(none)`);
  const nameWidth = Math.max(0, ...headers.map(([name]) => name.length + 1));
  for (const [name, value] of headers) lines.push(`${INDENT}${`${printable(name)}:`.padEnd(nameWidth)} ${printable(value)}`);
  lines.push("", ...bodyLines(record));
  return lines;
}

/** @param {ErrorRecord} record */
function bodyLines(record) {
  if (record.body === null) return ["Upstream body: none"];
  const bytes = Buffer.byteLength(record.body, "utf8");
  if (bytes === 0) return ["Upstream body: empty"];
  const body = prettyIfJson(record.body);
  const lines = [`Upstream body (${plural(bytes, "byte")}${body.json ? ", JSON" : ""})`, ...indentBlock(body.text)];
  if (record.bodyTruncated) {
    lines.push(`(truncated: the relay kept the first ${plural(bytes, "byte")} of the body, ERROR_BODY_PREVIEW_BYTES)`);
  }
  return lines;
}

/** @param {SessionInfo} info @param {string} key @returns {string[]} */
export function sessionLines(info, key) {
  const base = info.state === null
    ? "none"
    : `${printable(info.state.hash)}, revision ${info.state.revision}, ${plural(info.state.bytes, "byte")}`;
  const ignored = Object.entries(info.ignored).sort(([a], [b]) => Number(a) - Number(b));
  /** @type {Array<[string, string]>} */
  const fields = [
    ["stored base", base],
    ["journal", plural(info.errors, "error record")],
    ["ignored", ignored.length === 0 ? "none" : ignored.map(([status, count]) => `${printable(status)} × ${count}`).join(", ")],
  ];
  if (typeof info.undelivered === "number") {
    fields.push(["undelivered", info.undelivered === 0 ? "0" : `${info.undelivered} (not in KV yet: the session's alarm retries them)`]);
  }
  return [`Session ${printable(key)}`, ...fieldLines(fields)];
}
