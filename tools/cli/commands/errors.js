// @ts-check
/**
 * `affinity-relay errors`: the newest error records as a table (or JSON), following the API's cursor until
 * `--limit` rows are found, the records get older than `--since`, or the listing ends.
 */
import { parseCount, parseSince, parseStatus } from "../args.js";
import { usageError } from "../failures.js";
import { printable, summaryTable } from "../table.js";

/** @typedef {import("./context.js").Context} Context */
/** @typedef {import("../types.js").ErrorSummary} ErrorSummary */

export const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 10_000;
/** The API's own cap on one page. */
const PAGE_MAX = 1000;

/** @param {Context} context */
export async function errorsCommand({ args, client, out, note, width }) {
  if (args.positionals.length > 0) {
    throw usageError(`errors takes no arguments besides 'show ID', not '${args.positionals[0]}'`);
  }
  const limit = args.limit === undefined ? DEFAULT_LIMIT : parseCount(args.limit, "limit", 1, MAX_LIMIT);
  const since = args.since === undefined ? undefined : parseSince(args.since, Date.now());
  const status = args.status === undefined ? undefined : parseStatus(args.status);
  const pageSize = args.pageSize === undefined ? PAGE_MAX : parseCount(args.pageSize, "page-size", 1, PAGE_MAX);
  const { rows, more } = await collect(client, { limit, since, status, session: args.session, pageSize });
  if (args.json) {
    out(JSON.stringify(rows, null, 2));
    return;
  }
  if (rows.length === 0) {
    out(`No error records${describeFilters(args)}.`);
    return;
  }
  for (const line of summaryTable(rows, width)) out(line);
  if (more) note(`(the newest ${rows.length} shown; more match: raise --limit${args.since ? "" : " or narrow with --since"})`);
}

/**
 * Pages through the listing. One row more than asked is fetched, to know whether more match.
 * @param {import("../client.js").RelayClient} client
 * @param {{ limit: number, since?: number, status?: number, session?: string, pageSize: number }} query
 * @returns {Promise<{ rows: ErrorSummary[], more: boolean }>}
 */
export async function collect(client, { limit, since, status, session, pageSize }) {
  /** @type {ErrorSummary[]} */
  const rows = [];
  const wanted = limit + 1;
  /** @type {string | null} */
  let cursor = null;
  const seenCursors = new Set();
  for (;;) {
    const page = await client.listErrors({ limit: Math.min(wanted - rows.length, pageSize), cursor, session, status });
    for (const summary of page.errors) {
      if (since !== undefined && Date.parse(summary.at) < since) return { rows: rows.slice(0, limit), more: false };
      rows.push(summary);
    }
    if (rows.length >= wanted) return { rows: rows.slice(0, limit), more: true };
    // A cursor seen before would loop forever: the listing has nothing new to give.
    if (page.cursor === null || seenCursors.has(page.cursor)) return { rows, more: false };
    seenCursors.add(page.cursor);
    cursor = page.cursor;
  }
}

/** @param {import("../args.js").ParsedArgs} args */
function describeFilters(args) {
  const parts = [];
  if (args.session !== undefined) parts.push(`for session ${printable(args.session)}`);
  if (args.status !== undefined) parts.push(`with status ${args.status}`);
  if (args.since !== undefined) parts.push(`since ${printable(args.since)}`);
  return parts.length === 0 ? "" : ` ${parts.join(" ")}`;
}
