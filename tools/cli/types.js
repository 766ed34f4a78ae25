// @ts-check
/**
 * What the forensics API answers, as JSDoc types: the CLI's copy of src/records.ts (ErrorRecord, ErrorSummary,
 * SessionInfo), kept in step by a type-level check in test/node/cli-types.test.ts. Plain JS cannot import the
 * TypeScript sources without a build step.
 */

/** @typedef {"upstream_status" | "network" | "timeout" | "stream" | "stream_event"} ErrorKind */

/**
 * @typedef {{
 *   id: string, at: string, requestId: string, affinity: string | null, transport: "http" | "websocket",
 *   protocol: "transparent" | 1 | 2, kind: ErrorKind, method: string, upstreamUrl: string, status: number | null,
 *   statusText: string, headers: Record<string, string>, body: string | null, bodyTruncated: boolean,
 *   requestBodyBytes: number, durationMs: number, message: string | null
 * }} ErrorRecord
 */

/**
 * @typedef {Pick<ErrorRecord, "id" | "at" | "status" | "kind" | "transport" | "affinity" | "upstreamUrl" | "requestId">}
 *   ErrorSummary
 */

/**
 * @typedef {{
 *   affinity: string | null, state: { hash: string, revision: number, bytes: number } | null, errors: number,
 *   ignored: Record<string, number>, undelivered: number
 * }} SessionInfo
 */

/** @typedef {{ errors: ErrorSummary[], cursor: string | null }} ErrorPage */

export {};
