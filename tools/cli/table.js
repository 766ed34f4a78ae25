// @ts-check
/**
 * The listing table: one line per record, newest first, columns TIME (UTC, to the second), ID, STATUS, KIND,
 * TRANSPORT, SESSION and UPSTREAM. Given a width (a terminal's), long sessions and URLs are shortened to fit;
 * without one (output piped), nothing is cut.
 */

/** @typedef {import("./types.js").ErrorSummary} ErrorSummary */
/** @typedef {{ kind: number, transport: number, session: number, upstream: number }} Layout */

const GAP = "  ";
const TIME_WIDTH = "2026-01-01T00:00:00Z".length;
const ID_WIDTH = 26;
const STATUS_WIDTH = "STATUS".length;
/** Session keys are cut to this at most (a UUID fits), and a tail's column is this wide before it knows them. */
const SESSION_MAX = 36;
const UPSTREAM_MIN = 12;
/** The widths of KIND and TRANSPORT when rows are not known in advance (tail): their longest values. */
const KIND_WIDTH = "upstream_status".length;
const TRANSPORT_WIDTH = "websocket".length;

/** `2026-04-27T10:15:03Z`: UTC, second precision (the raw value when it is not a time). @param {string} at */
export function isoSecond(at) {
  const time = Date.parse(at);
  return Number.isNaN(time) ? printable(at) : `${new Date(time).toISOString().slice(0, 19)}Z`;
}

/**
 * Text from the relay made safe for a terminal: control characters become visible escapes (an upstream body
 * could otherwise move the cursor or recolour the screen). Newlines and tabs stay when `multiline`.
 * @param {string} text @param {{ multiline?: boolean }} [options]
 */
export function printable(text, { multiline = false } = {}) {
  const unsafe = multiline ? /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g : /[\x00-\x1f\x7f-\x9f]/g;
  return text.replace(unsafe, (char) => {
    if (char === "\n") return "\\n";
    if (char === "\r") return "\\r";
    if (char === "\t") return "\\t";
    return `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

/** Cuts the middle out of `text` so it fits `max` characters. @param {string} text @param {number} max */
export function shorten(text, max) {
  if (text.length <= max) return text;
  if (max <= 1) return "…".slice(0, max);
  const head = Math.ceil((max - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (max - 1 - head))}`;
}

/**
 * A URL to fit `max`: without its scheme, then with its host cut short (the path says more: every record of a
 * relay usually has the same host), then with its middle cut.
 * @param {string} url @param {number} max
 */
export function shortenUrl(url, max) {
  if (url.length <= max) return url;
  const bare = url.replace(/^https?:\/\//, "");
  if (bare.length <= max) return bare;
  const slash = bare.indexOf("/");
  const path = slash === -1 ? "" : bare.slice(slash);
  if (slash > 0 && path.length < max) return `${bare.slice(0, max - path.length - 1)}…${path}`;
  return shorten(bare, max);
}

/** @param {ErrorSummary} summary */
function cells(summary) {
  return {
    status: summary.status === null ? "-" : String(summary.status),
    kind: printable(summary.kind),
    transport: printable(summary.transport),
    session: summary.affinity === null ? "-" : printable(summary.affinity),
    upstream: printable(summary.upstreamUrl),
  };
}

/**
 * Column widths for these rows within `width` characters (Infinity: as wide as the content).
 * @param {ErrorSummary[]} rows @param {number} width @returns {Layout}
 */
export function layoutFor(rows, width) {
  const all = rows.map(cells);
  const widest = (/** @type {(c: ReturnType<typeof cells>) => string} */ pick, /** @type {string} */ header) =>
    Math.max(header.length, ...all.map((c) => pick(c).length));
  const kind = widest((c) => c.kind, "KIND");
  const transport = widest((c) => c.transport, "TRANSPORT");
  const session = widest((c) => c.session, "SESSION");
  const upstream = widest((c) => c.upstream, "UPSTREAM");
  return fit({ kind, transport, session, upstream }, width);
}

/** Widths for rows that are not known yet (tail): room for any kind and transport. @param {number} width */
export function streamingLayout(width) {
  return fit({ kind: KIND_WIDTH, transport: TRANSPORT_WIDTH, session: SESSION_MAX, upstream: Infinity }, width);
}

/** @param {Layout} wanted @param {number} width @returns {Layout} */
function fit(wanted, width) {
  if (!Number.isFinite(width)) return { ...wanted, upstream: Number.isFinite(wanted.upstream) ? wanted.upstream : 0 };
  const fixed = TIME_WIDTH + ID_WIDTH + STATUS_WIDTH + wanted.kind + wanted.transport + GAP.length * 6;
  const room = width - fixed;
  // The session and the URL share what is left, the URL getting at least half when both are long.
  const upstreamShare = Math.min(wanted.upstream, Math.max(UPSTREAM_MIN, Math.floor(room / 2)));
  const session = Math.max("SESSION".length, Math.min(wanted.session, SESSION_MAX, room - upstreamShare));
  const upstream = Math.max(UPSTREAM_MIN, Math.min(wanted.upstream, room - session));
  return { ...wanted, session, upstream };
}

/** @param {Layout} layout */
export function headerLine(layout) {
  return line(layout, { time: "TIME", id: "ID", status: "STATUS", kind: "KIND", transport: "TRANSPORT", session: "SESSION", upstream: "UPSTREAM" });
}

/** @param {ErrorSummary} summary @param {Layout} layout @param {boolean} cut whether to shorten to the layout */
export function rowLine(summary, layout, cut) {
  const c = cells(summary);
  return line(layout, {
    time: isoSecond(summary.at),
    id: printable(summary.id),
    status: c.status,
    kind: c.kind,
    transport: c.transport,
    session: cut ? shorten(c.session, layout.session) : c.session,
    upstream: cut ? shortenUrl(c.upstream, layout.upstream) : c.upstream,
  });
}

/**
 * @param {Layout} layout
 * @param {{ time: string, id: string, status: string, kind: string, transport: string, session: string, upstream: string }} v
 */
function line(layout, v) {
  return [
    v.time.padEnd(TIME_WIDTH), v.id.padEnd(ID_WIDTH), v.status.padEnd(STATUS_WIDTH), v.kind.padEnd(layout.kind),
    v.transport.padEnd(layout.transport), v.session.padEnd(layout.session), v.upstream,
  ].join(GAP).trimEnd();
}

/** The whole table: a header line and one line per row. @param {ErrorSummary[]} rows @param {number} width */
export function summaryTable(rows, width) {
  const layout = layoutFor(rows, width);
  const cut = Number.isFinite(width);
  return [headerLine(layout), ...rows.map((row) => rowLine(row, layout, cut))];
}
