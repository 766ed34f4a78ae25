import { invalidRequest } from "./errors";

const MAX_AFFINITY_LENGTH = 256;
/** Visible ASCII, 0x21 to 0x7E: no spaces, no control characters, nothing a log or KV key could mangle. */
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

export function isValidAffinity(value: string): boolean {
  return value.length >= 1 && value.length <= MAX_AFFINITY_LENGTH && VISIBLE_ASCII.test(value);
}

/**
 * Validates an affinity key from wherever the transport carries it (`source` names it in the error).
 * `null`/`undefined` mean "no key"; anything present must be a valid key.
 */
export function parseAffinity(value: unknown, source: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== "string" || !isValidAffinity(value)) {
    throw invalidRequest(`${source} must be 1 to ${MAX_AFFINITY_LENGTH} visible ASCII characters (0x21-0x7E)`);
  }
  return value;
}
