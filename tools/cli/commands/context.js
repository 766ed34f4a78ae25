// @ts-check
/** What every command gets from the entry point. */

/**
 * @typedef {{
 *   args: import("../args.js").ParsedArgs,
 *   client: import("../client.js").RelayClient,
 *   out: (text: string) => void,
 *   note: (text: string) => void,
 *   width: number,
 *   signal: AbortSignal,
 * }} Context
 * `out` writes a line to stdout (the result), `note` a line to stderr (progress and hints); `width` is the
 * terminal's (Infinity when output is piped); `signal` aborts on Ctrl-C (only `tail` listens for it).
 */

export {};
