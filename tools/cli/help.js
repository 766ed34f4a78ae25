// @ts-check
/** Help texts: the overview and one per command. Examples use placeholders, never a real token. */

const CONNECTION = `Connection (every command; flags win over the environment):
  --url URL            the relay, e.g. https://affinity-relay.<account>.workers.dev  [AFFINITY_RELAY_URL]
  --admin-token TOKEN  the relay's ADMIN_TOKEN secret                               [AFFINITY_RELAY_ADMIN_TOKEN]
                       (prefer the variable: a flag shows up in ps and in shell history)
  --timeout 15s        give up on a request after this long (s, m, h, d)`;

export const MAIN_HELP = `affinity-relay: read an affinity-relay's error journal (why did a session's request fail?)

Usage:
  affinity-relay errors [--session KEY] [--status N] [--since 2h] [--limit N] [--json]
  affinity-relay errors show ID [--json]
  affinity-relay session KEY [--limit N] [--json]
  affinity-relay tail [--session KEY] [--status N] [--interval 5s] [--json]
  affinity-relay help [COMMAND]

Commands:
  errors       list error records, newest first
  errors show  one record in full: request, status, upstream headers and body preview
  session      a session's stored base, journal and ignored counts, and its latest records
  tail         print new error records as they appear, until Ctrl-C

${CONNECTION}
  -h, --help           this help; affinity-relay COMMAND --help for a command's
  -V, --version        the CLI's version

Example:
  export AFFINITY_RELAY_URL=https://affinity-relay.<account>.workers.dev
  export AFFINITY_RELAY_ADMIN_TOKEN=<admin token>
  affinity-relay errors --since 2h
  affinity-relay errors show <ID from the list>

Exit codes: 0 done, 1 the relay was unreachable, refused or answered an error, 2 bad arguments or settings.`;

/** @type {Record<import("./args.js").CommandName, string>} */
export const COMMAND_HELP = {
  errors: `Usage: affinity-relay errors [--session KEY] [--status N] [--since 2h] [--limit N] [--json]

Lists error records, newest first: time (UTC), id, upstream status, kind, transport, session and upstream URL.
Long sessions and URLs are shortened to fit a terminal; piped output is not cut.

  --session KEY   only this session's records (its x-session-affinity key)
  --status N      only records with this upstream status (e.g. 500)
  --since T       only records newer than this: a duration back from now (30s, 15m, 2h, 7d)
                  or an ISO-8601 time (UTC unless it says otherwise)
  --limit N       at most N rows (default 20); the listing is paged through as needed
  --page-size N   rows per API request while paging (1 to 1000, default 1000)
  --json          print the records' summaries as a JSON array

${CONNECTION}

Example:
  affinity-relay errors --session my-session --since 1d --status 529`,

  show: `Usage: affinity-relay errors show ID [--json]

Shows one error record in full: when, which session and request, the upstream status, the upstream response
headers, and the body preview (pretty-printed when it is JSON; the relay keeps the first
ERROR_BODY_PREVIEW_BYTES bytes). ID is the ID column of \`affinity-relay errors\`.

  --json          print the record as the API returns it

${CONNECTION}`,

  session: `Usage: affinity-relay session KEY [--limit N] [--json]

Shows what a session's Durable Object holds: its stored base (hash, revision, bytes) or none, how many error
records its journal keeps, the ignored statuses it counted (ERROR_IGNORE_STATUSES), records not yet delivered to
KV, and its most recent records from its own journal. A key that starts with "-" goes after "--":
affinity-relay session -- -my-key

  --limit N       how many recent records (default 5, at most 100)
  --json          print {...the session summary, "recent": [records]} as JSON

${CONNECTION}`,

  tail: `Usage: affinity-relay tail [--session KEY] [--status N] [--interval 5s] [--json]

Polls the relay and prints each new error record once, as it appears (oldest of the new ones first), until
Ctrl-C. Records already there when it starts are not printed. While the relay is unreachable it keeps retrying.

  --session KEY   only this session's records
  --status N      only records with this upstream status
  --interval D    time between polls (default 5s; s, m, h, d)
  --json          one JSON summary per line (NDJSON) instead of table rows

${CONNECTION}`,

  help: `Usage: affinity-relay help [COMMAND]

Prints the overview, or the help of COMMAND (errors, errors show, session, tail).`,
};
