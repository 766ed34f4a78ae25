// @ts-check
/** `affinity-relay errors show ID`: one full record, laid out for reading (or the raw JSON). */
import { usageError } from "../failures.js";
import { recordLines } from "../layout.js";

/** @typedef {import("./context.js").Context} Context */

/** @param {Context} context */
export async function showCommand({ args, client, out }) {
  const [id, extra] = args.positionals;
  if (id === undefined) throw usageError("errors show needs a record id: affinity-relay errors show <ID> (the ID column of `affinity-relay errors`)");
  if (extra !== undefined) throw usageError(`errors show takes one record id, not also '${extra}'`);
  // ULIDs are Crockford base32, case-insensitive; the relay's keys use upper case.
  const record = await client.record(id.trim().toUpperCase());
  if (args.json) {
    out(JSON.stringify(record, null, 2));
    return;
  }
  for (const line of recordLines(record)) out(line);
}
