// @ts-check
/**
 * `affinity-relay tail`: polls the listing and prints each record once, as it appears, oldest of the new ones
 * first, until Ctrl-C. New means "not seen before" rather than "newer than the last": records reach KV off the
 * response path (and KV listings are eventually consistent), so one may appear after a newer one.
 */
import { parseDuration, parseStatus } from "../args.js";
import { formatSeconds, UnreachableError, usageError } from "../failures.js";
import { headerLine, printable, rowLine, streamingLayout } from "../table.js";

/** @typedef {import("./context.js").Context} Context */
/** @typedef {import("../types.js").ErrorSummary} ErrorSummary */

const DEFAULT_INTERVAL_MS = 5000;
const PAGE = 100;
/** Pages one poll may read looking for the records it saw before (a burst of more than this is cut). */
const MAX_PAGES_PER_POLL = 10;

/** @param {Context} context */
export async function tailCommand({ args, client, out, note, width, signal }) {
  if (args.positionals.length > 0) throw usageError(`tail takes no arguments, not '${args.positionals[0]}'`);
  const intervalMs = args.interval === undefined ? DEFAULT_INTERVAL_MS : parseDuration(args.interval, "interval");
  const status = args.status === undefined ? undefined : parseStatus(args.status);
  const query = { session: args.session, status };
  const layout = streamingLayout(width);
  const cut = Number.isFinite(width);

  /** @type {Set<string>} */
  const seen = new Set();
  // The first poll only learns what is already there; its failures (a wrong token, a wrong URL) end the command.
  for (const summary of await poll(client, query, seen)) seen.add(summary.id);
  const scope = args.session === undefined ? "" : ` of session ${printable(args.session)}`;
  note(`Waiting for new error records${scope} on ${client.origin} (every ${formatSeconds(intervalMs)}; Ctrl-C to stop)`);
  if (!args.json) out(headerLine(layout));

  while (await sleep(intervalMs, signal)) {
    let fresh;
    try {
      fresh = await poll(client, query, seen);
    } catch (error) {
      if (signal.aborted) break;
      // A relay that is briefly unreachable is waited for; anything else (401, 404...) ends the tail.
      if (error instanceof UnreachableError) {
        note(`${error.message}; retrying`);
        continue;
      }
      throw error;
    }
    for (const summary of fresh.reverse()) {
      seen.add(summary.id);
      out(args.json ? JSON.stringify(summary) : rowLine(summary, layout, cut));
    }
  }
}

/**
 * The records not seen yet, newest first: pages are read until one holds a record seen before.
 * @param {import("../client.js").RelayClient} client
 * @param {{ session?: string, status?: number }} query @param {Set<string>} seen
 * @returns {Promise<ErrorSummary[]>}
 */
async function poll(client, query, seen) {
  /** @type {ErrorSummary[]} */
  const fresh = [];
  /** @type {string | null} */
  let cursor = null;
  for (let pages = 0; pages < MAX_PAGES_PER_POLL; pages += 1) {
    const page = await client.listErrors({ ...query, limit: PAGE, cursor });
    const unseen = page.errors.filter((summary) => !seen.has(summary.id));
    fresh.push(...unseen);
    if (seen.size === 0 || unseen.length < page.errors.length || page.cursor === null) break;
    cursor = page.cursor;
  }
  return fresh;
}

/** Waits `ms`; false when the signal aborted instead. @param {number} ms @param {AbortSignal} signal */
function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve(!signal.aborted);
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
