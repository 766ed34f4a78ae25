// @ts-check
/**
 * `affinity-relay session KEY`: what the session's object holds (stored base, journal and ignored counts,
 * undelivered records), then its most recent records from its own journal.
 */
import { parseCount } from "../args.js";
import { usageError } from "../failures.js";
import { plural, sessionLines } from "../layout.js";
import { summaryTable } from "../table.js";

/** @typedef {import("./context.js").Context} Context */

const DEFAULT_RECENT = 5;
/** The API's cap on a session's records. */
const MAX_RECENT = 100;

/** @param {Context} context */
export async function sessionCommand({ args, client, out, width }) {
  const [key, extra] = args.positionals;
  if (key === undefined) throw usageError("session needs a session key: affinity-relay session <KEY>, the session's x-session-affinity value");
  if (extra !== undefined) throw usageError(`session takes one session key, not also '${extra}' (a key has no spaces)`);
  if (key === "." || key === "..") {
    // URLs resolve "." and ".." path segments (even percent-encoded), so the API's path cannot name them.
    throw usageError(`the session key '${key}' cannot be looked up through the API's URL path; use affinity-relay errors --session '${key}'`);
  }
  const recent = args.limit === undefined ? DEFAULT_RECENT : parseCount(args.limit, "limit", 1, MAX_RECENT);
  const [info, { errors }] = await Promise.all([client.sessionInfo(key), client.sessionErrors(key, recent)]);
  if (args.json) {
    out(JSON.stringify({ ...info, recent: errors }, null, 2));
    return;
  }
  for (const line of sessionLines(info, key)) out(line);
  out("");
  if (errors.length === 0) {
    out("No error records in this session's journal.");
    return;
  }
  out(`Most recent error records (${errors.length} of ${plural(info.errors, "record")}, newest first; details: affinity-relay errors show ID)`);
  for (const line of summaryTable(errors, width)) out(line);
}
