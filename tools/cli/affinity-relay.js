#!/usr/bin/env node
// @ts-check
/**
 * affinity-relay: the command-line forensics tool of an affinity-relay. It reads the relay's error journal
 * through the forensics API (`/_relay/...`, authenticated with the relay's ADMIN_TOKEN). See docs/cli.md.
 */
import { readFileSync } from "node:fs";
import { adminTokenIn, commandLabel, parseCommandLine, parseDuration } from "./args.js";
import { DEFAULT_TIMEOUT_MS, RelayClient } from "./client.js";
import { errorsCommand } from "./commands/errors.js";
import { sessionCommand } from "./commands/session.js";
import { showCommand } from "./commands/show.js";
import { tailCommand } from "./commands/tail.js";
import { resolveConnection, TOKEN_VARIABLE } from "./connection.js";
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, redact, usageError } from "./failures.js";
import { COMMAND_HELP, MAIN_HELP } from "./help.js";

/** @typedef {import("./args.js").CommandName} CommandName */

const COMMANDS = { errors: errorsCommand, show: showCommand, session: sessionCommand, tail: tailCommand };

/** @returns {string} */
function version() {
  const raw = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  const { version: value } = /** @type {{ version?: unknown }} */ (JSON.parse(raw));
  return typeof value === "string" ? value : "unknown";
}

/** @param {string} text */
function out(text) {
  process.stdout.write(`${text}\n`);
}

/** The terminal's width; Infinity when the output goes to a pipe or file (unless COLUMNS says otherwise). */
function outputWidth() {
  if (process.stdout.isTTY && process.stdout.columns > 0) return process.stdout.columns;
  const columns = Number(process.env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : Infinity;
}

/** @param {string[]} positionals @returns {string} */
function helpFor(positionals) {
  const topic = positionals.join(" ");
  if (topic === "") return MAIN_HELP;
  if (topic === "errors show" || topic === "show") return COMMAND_HELP.show;
  if (topic === "errors" || topic === "session" || topic === "tail" || topic === "help") return COMMAND_HELP[topic];
  throw usageError(`no help for '${topic}': the commands are errors, errors show, session and tail`);
}

/**
 * Runs one command line; resolves to the exit code.
 * @param {string[]} argv @param {{ note: (text: string) => void }} io
 */
async function main(argv, { note }) {
  const args = parseCommandLine(argv);
  if (args.version) {
    out(version());
    return EXIT_OK;
  }
  if (args.command === "help") {
    out(helpFor(args.positionals));
    return EXIT_OK;
  }
  if (args.help) {
    out(args.command === null ? MAIN_HELP : COMMAND_HELP[args.command]);
    return EXIT_OK;
  }
  if (args.command === null) {
    process.stderr.write(`${MAIN_HELP}\n\n`);
    throw usageError("no command given");
  }
  const timeoutMs = args.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(args.timeout, "timeout");
  const { origin, adminToken } = resolveConnection(args, process.env);
  const interrupt = new AbortController();
  if (args.command === "tail") {
    const stop = () => interrupt.abort();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  }
  const client = new RelayClient({ origin, adminToken, timeoutMs, userAgent: `affinity-relay-cli/${version()}`, signal: interrupt.signal });
  const width = outputWidth();
  try {
    await COMMANDS[args.command]({ args, client, out, note, width, signal: interrupt.signal });
  } catch (error) {
    // Ctrl-C during a request: a clean stop, not a failure.
    if (interrupt.signal.aborted && !(error instanceof CliError)) return EXIT_OK;
    if (error instanceof CliError && error.exitCode === EXIT_USAGE) {
      throw usageError(`${error.message} (see affinity-relay ${commandLabel(args.command)} --help)`);
    }
    throw error;
  }
  return EXIT_OK;
}

// Whatever is written to stderr passes the redaction guard: no message may carry the admin token.
const secrets = [adminTokenIn(process.argv.slice(2)), process.env[TOKEN_VARIABLE]];
/** @param {string} text */
function note(text) {
  let line = text;
  for (const secret of secrets) line = redact(line, secret);
  process.stderr.write(`${line}\n`);
}

process.stdout.on("error", (error) => {
  // The reader went away (`affinity-relay errors | head`): stop quietly.
  if ("code" in error && error.code === "EPIPE") process.exit(EXIT_OK);
  throw error;
});

try {
  process.exitCode = await main(process.argv.slice(2), { note });
} catch (error) {
  if (error instanceof CliError) {
    note(`affinity-relay: ${error.message}`);
    process.exitCode = error.exitCode;
  } else {
    note(`affinity-relay: unexpected failure: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = EXIT_FAILURE;
  }
}
