// @ts-check
/**
 * Command-line parsing with Node's `util.parseArgs`: one pass over every option the CLI knows, then a check that
 * each option given belongs to the chosen command, then the values' own validation (durations, limits...).
 */
import { parseArgs } from "node:util";
import { usageError } from "./failures.js";

/** @typedef {"errors" | "show" | "session" | "tail" | "help"} CommandName */

const OPTIONS = /** @type {const} */ ({
  url: { type: "string" },
  "admin-token": { type: "string" },
  timeout: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
  json: { type: "boolean" },
  session: { type: "string" },
  status: { type: "string" },
  since: { type: "string" },
  limit: { type: "string" },
  interval: { type: "string" },
  "page-size": { type: "string" },
});

/** @typedef {keyof typeof OPTIONS} OptionName */

const GLOBAL = /** @type {OptionName[]} */ (["url", "admin-token", "timeout", "help", "version"]);

/** Options each command takes besides the global ones. @type {Record<CommandName, OptionName[]>} */
const COMMAND_OPTIONS = {
  errors: ["json", "session", "status", "since", "limit", "page-size"],
  show: ["json"],
  session: ["json", "limit"],
  tail: ["json", "session", "status", "interval"],
  help: [],
};

/**
 * @typedef {{
 *   command: CommandName | null, help: boolean, version: boolean, positionals: string[],
 *   url?: string, adminToken?: string, timeout?: string, json: boolean, session?: string, status?: string,
 *   since?: string, limit?: string, interval?: string, pageSize?: string
 * }} ParsedArgs
 */

/**
 * Parses argv (without node and the script). `errors show ID` becomes the command `show`.
 * @param {string[]} argv @returns {ParsedArgs}
 */
export function parseCommandLine(argv) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    throw usageError(`${firstSentence(error)} (see affinity-relay --help)`);
  }
  const { values, tokens } = parsed;
  const positionals = [...parsed.positionals];
  /** @type {CommandName | null} */
  let command = null;
  const word = positionals.shift();
  if (word === "errors" && positionals[0] === "show") {
    positionals.shift();
    command = "show";
  } else if (word === "errors" || word === "session" || word === "tail" || word === "help") {
    command = word;
  } else if (word !== undefined) {
    throw usageError(`unknown command '${word}': the commands are errors, errors show, session and tail (see affinity-relay --help)`);
  }
  if (command !== null && !values.help) {
    const allowed = new Set([...GLOBAL, ...COMMAND_OPTIONS[command]]);
    for (const token of tokens) {
      if (token.kind === "option" && !allowed.has(/** @type {OptionName} */ (token.name))) {
        throw usageError(`${commandLabel(command)} does not take --${token.name} (see affinity-relay ${commandLabel(command)} --help)`);
      }
    }
  }
  return {
    command,
    help: values.help ?? false,
    version: values.version ?? false,
    positionals,
    url: values.url,
    adminToken: values["admin-token"],
    timeout: values.timeout,
    json: values.json ?? false,
    session: values.session,
    status: values.status,
    since: values.since,
    limit: values.limit,
    interval: values.interval,
    pageSize: values["page-size"],
  };
}

/**
 * The admin token given on this command line, if any, read leniently (whatever else is wrong with the line):
 * error messages are scrubbed of it.
 * @param {string[]} argv @returns {string | undefined}
 */
export function adminTokenIn(argv) {
  try {
    const { values } = parseArgs({ args: argv, options: { "admin-token": OPTIONS["admin-token"] }, strict: false, allowPositionals: true });
    const value = values["admin-token"];
    return typeof value === "string" && value !== "" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** @param {CommandName} command */
export function commandLabel(command) {
  return command === "show" ? "errors show" : command;
}

/** @param {unknown} error */
function firstSentence(error) {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split("\n")[0] ?? message;
  const end = line.indexOf(". ");
  return end === -1 ? line.replace(/\.$/, "") : line.slice(0, end);
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration such as `30s`, `15m`, `2h`, `7d`, in milliseconds.
 * @param {string} raw @param {string} option the flag it came from, for the message
 */
export function parseDuration(raw, option) {
  const match = /^(\d+)([smhd])$/.exec(raw.trim());
  const unit = match ? /** @type {keyof typeof UNIT_MS} */ (match[2]) : undefined;
  if (!match || unit === undefined || Number(match[1]) === 0) {
    throw usageError(`--${option} must be a duration such as 30s, 15m, 2h or 7d, not '${raw}'`);
  }
  return Number(match[1]) * UNIT_MS[unit];
}

/**
 * `--since`: a duration back from now (`2h`) or an ISO-8601 time (`2026-04-27T10:00:00Z`); the cut-off in ms.
 * @param {string} raw @param {number} now
 */
export function parseSince(raw, now) {
  const text = raw.trim();
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    // A time of day without a zone is UTC, like everything else the CLI prints.
    const at = Date.parse(/T[\d:.]+$/.test(text) ? `${text}Z` : text);
    if (Number.isNaN(at)) throw usageError(`--since: '${raw}' is not an ISO-8601 time`);
    return at;
  }
  return now - parseDuration(raw, "since");
}

/**
 * A whole number from `min` to `max`.
 * @param {string} raw @param {string} option @param {number} min @param {number} max
 */
export function parseCount(raw, option, min, max) {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw usageError(`--${option} must be a whole number from ${min} to ${max}, not '${raw}'`);
  }
  return Number(raw);
}

/** `--status`: an HTTP status, 100 to 599. @param {string} raw */
export function parseStatus(raw) {
  if (!/^\d{3}$/.test(raw.trim()) || Number(raw) < 100 || Number(raw) > 599) {
    throw usageError(`--status must be an HTTP status from 100 to 599, not '${raw}'`);
  }
  return Number(raw);
}
