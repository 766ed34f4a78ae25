/**
 * Calls a session's object. A call that fails with an error the runtime flags `retryable` (and not
 * `overloaded`: retrying would only add load) is retried a few times with jittered backoff, with a fresh request
 * each time, but only when the request can be replayed: once a streamed body has been handed over, it cannot.
 */
import { RelayError } from "./errors";

const MAX_ATTEMPTS = 3;
const BASE_DELAY_MS = 50;

/** The flags workerd sets on errors from a Durable Object stub. */
function hasFlag(error: unknown, flag: "retryable" | "overloaded"): boolean {
  return error instanceof Error && Reflect.get(error, flag) === true;
}

/**
 * `makeRequest` builds the request for each attempt; `replayable` says whether a second attempt may send it
 * again (no body, or a body held in memory).
 */
export async function callSession(
  stub: DurableObjectStub,
  makeRequest: () => Request,
  options: { replayable: boolean },
): Promise<Response> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await stub.fetch(makeRequest());
    } catch (error) {
      if (hasFlag(error, "overloaded")) {
        throw new RelayError(500, "the session is overloaded: retry later", { cause: error });
      }
      if (!options.replayable || attempt >= MAX_ATTEMPTS || !hasFlag(error, "retryable")) throw error;
      const delay = BASE_DELAY_MS * 2 ** (attempt - 1) * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
