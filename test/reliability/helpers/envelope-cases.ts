/**
 * Malformed protocol-1 envelopes, generated from tables: each field of a valid envelope replaced by values of the
 * wrong type or shape, each required field left out, patch lists that overlap or run past the base, and oversized
 * ones. Shared by the HTTP envelope file and the WebSocket frame file (a request frame is an envelope plus an id).
 */
import { fullSyncEnvelope, patchEnvelope, sha256 } from "./envelopes.js";

/** What a case is built from when it runs: its session, its stand-in id, the session's stored base. */
export interface CaseInput {
  key: string;
  standInId: string;
  base: string;
  maxRequestBytes: number;
  /** Another session whose stored base is over half the size limit (for a rebuilt body over it). */
  big: { key: string; base: string };
}

export interface EnvelopeCase {
  name: string;
  /** The status the relay must answer (400, 409 or 413). */
  status: number;
  /** The field the case breaks (protocol-2 frames answer without an id for `protocol` and `type`). */
  field: string;
  build: (input: CaseInput) => Record<string, unknown>;
  /** Needs the `big` session: HTTP only (a frame's session is its socket's). */
  httpOnly?: boolean;
}

/** Values of every JSON type and shape. */
const JUNK: ReadonlyArray<[string, unknown]> = [
  ["null", null], ["true", true], ["false", false], ["zero", 0], ["-1", -1], ["1.5", 1.5], ["1e308", 1e308],
  ["2^53", 2 ** 53], ["an empty string", ""], ["a string", "x"], ["an empty list", []], ["a list", [1, "a"]],
  ["an empty object", {}], ["nested junk", { a: [{ b: { c: [null, { d: "e" }] } }] }],
];

/** Per field: which junk values are in fact valid there (left out), and extra bad values. */
const FIELDS: ReadonlyArray<{ path: string; mode: "full_sync" | "patch"; valid: readonly string[]; extra?: ReadonlyArray<[string, unknown]>; status?: number }> = [
  { path: "protocol", mode: "full_sync", valid: [], extra: [["\"1\"", "1"], ["2", 2]] },
  { path: "type", mode: "full_sync", valid: [], extra: [["\"Request\"", "Request"], ["\"response\"", "response"]] },
  { path: "affinity", mode: "full_sync", valid: ["a string"], extra: [["257 characters", "k".repeat(257)], ["a space", "a b"], ["non-ASCII", "café"], ["a NUL", "a\u0000b"], ["a line break", "a\nb"]] },
  { path: "upstream", mode: "full_sync", valid: [] },
  { path: "upstream.url", mode: "full_sync", valid: [], extra: [["a relative URL", "/v1/messages"]] },
  { path: "upstream.method", mode: "full_sync", valid: ["a string"], extra: [["GET", "GET"], ["HEAD", "HEAD"], ["a space", "PO ST"], ["a line break", "POST\r\nX: y"]] },
  { path: "upstream.headers", mode: "full_sync", valid: ["an empty object"], extra: [["a bad header name", { "bad name": "x" }], ["a line break in a value", { "x-a": "a\r\nb" }], ["a number value", { "x-a": 1 }], ["a value beyond Latin-1", { "x-a": "世界" }]] },
  { path: "mode", mode: "full_sync", valid: [], extra: [["\"FULL_SYNC\"", "FULL_SYNC"], ["\"patch \"", "patch "]] },
  { path: "revision", mode: "full_sync", valid: ["zero"], extra: [["\"1\"", "1"], ["-0.5", -0.5]] },
  { path: "next_hash", mode: "full_sync", valid: [], extra: [["63 hex digits", `sha256:${"a".repeat(63)}`], ["65 hex digits", `sha256:${"a".repeat(65)}`], ["non-hex digits", `sha256:${"g".repeat(64)}`], ["md5:", `md5:${"a".repeat(32)}`], ["no prefix", "a".repeat(64)], ["a space", `sha256: ${"a".repeat(64)}`]] },
  { path: "body", mode: "full_sync", valid: ["a string", "an empty string"] },
  { path: "base_hash", mode: "patch", valid: [], extra: [["63 hex digits", `sha256:${"b".repeat(63)}`], ["non-hex digits", `sha256:${"z".repeat(64)}`]] },
  { path: "patch", mode: "patch", valid: [] },
  { path: "patch.start", mode: "patch", valid: ["zero"], extra: [["\"0\"", "0"]] },
  { path: "patch.deleteCount", mode: "patch", valid: ["zero"], extra: [["\"0\"", "0"]] },
  { path: "patch.insert", mode: "patch", valid: ["a string", "an empty string"] },
];

/** A valid envelope for the case's session: a full_sync, or a patch appending a space to the stored base. */
export function validEnvelope(input: CaseInput, mode: "full_sync" | "patch"): Record<string, unknown> {
  const headers = { "x-stand-in-id": input.standInId };
  const body = JSON.stringify({ model: "stand-in-model", stream: true, messages: [{ role: "user", content: input.standInId }] });
  if (mode === "full_sync") return fullSyncEnvelope({ affinity: input.key, body, headers, revision: 50 });
  const end = input.base.length;
  return patchEnvelope({ affinity: input.key, base: input.base, patch: { start: end, deleteCount: 0, insert: " " }, next: `${input.base} `, revision: 50, headers });
}

/** A copy of `value` with `path` (dot-separated) set to `replacement`, or removed when it is `REMOVE`. */
export const REMOVE: unique symbol = Symbol("remove");
export function withField(value: Record<string, unknown>, path: string, replacement: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = structuredClone(value);
  const parts = path.split(".");
  let target: Record<string, unknown> = copy;
  for (const part of parts.slice(0, -1)) {
    const next: unknown = target[part];
    if (typeof next !== "object" || next === null) throw new Error(`no ${part} in ${path}`);
    // SAFETY: checked to be a non-null object just above; envelopes hold only plain JSON objects.
    target = next as Record<string, unknown>;
  }
  const last = parts.at(-1) ?? path;
  if (replacement === REMOVE) delete target[last];
  else target[last] = replacement;
  return copy;
}

function fieldCases(): EnvelopeCase[] {
  const cases: EnvelopeCase[] = [];
  for (const field of FIELDS) {
    const values = [...JUNK.filter(([name]) => !field.valid.includes(name)), ...(field.extra ?? [])];
    for (const [label, value] of values) {
      cases.push({ name: `${field.path} is ${label}`, status: 400, field: field.path, build: (input) => withField(validEnvelope(input, field.mode), field.path, value) });
    }
  }
  return cases;
}

const REQUIRED: ReadonlyArray<[string, "full_sync" | "patch"]> = [
  ["protocol", "full_sync"], ["affinity", "full_sync"], ["type", "full_sync"], ["upstream", "full_sync"], ["upstream.url", "full_sync"], ["mode", "full_sync"],
  ["revision", "full_sync"], ["next_hash", "full_sync"], ["body", "full_sync"], ["base_hash", "patch"], ["patch", "patch"],
  ["patch.start", "patch"], ["patch.deleteCount", "patch"], ["patch.insert", "patch"],
];

function missingCases(): EnvelopeCase[] {
  return REQUIRED.map(([path, mode]) => ({ name: `${path} is missing`, status: 400, field: path, build: (input) => withField(validEnvelope(input, mode), path, REMOVE) }));
}

/** Patches whose ranges the stored base cannot take, and hashes that do not match (valid shapes). */
function semanticCases(): EnvelopeCase[] {
  const patchOf = (patch: unknown) => (input: CaseInput): Record<string, unknown> => withField(validEnvelope(input, "patch"), "patch", patch);
  const huge = Number.MAX_SAFE_INTEGER;
  return [
    { name: "a patch starting past the base", status: 400, field: "patch", build: (input) => patchOf({ start: input.base.length + 1, deleteCount: 0, insert: "x" })(input) },
    { name: "a patch deleting past the base", status: 400, field: "patch", build: (input) => patchOf({ start: 0, deleteCount: input.base.length + 1, insert: "" })(input) },
    { name: "a patch at the largest safe offset", status: 400, field: "patch", build: (input) => patchOf({ start: huge, deleteCount: 0, insert: "x" })(input) },
    { name: "a deleteCount at the largest safe integer", status: 400, field: "patch", build: (input) => patchOf({ start: 1, deleteCount: huge, insert: "" })(input) },
    { name: "overlapping patches", status: 400, field: "patch", build: patchOf([{ start: 2, deleteCount: 5, insert: "a" }, { start: 4, deleteCount: 1, insert: "b" }]) },
    { name: "patches out of order", status: 400, field: "patch", build: patchOf([{ start: 6, deleteCount: 1, insert: "a" }, { start: 2, deleteCount: 1, insert: "b" }]) },
    { name: "a patch list with a non-object", status: 400, field: "patch", build: patchOf([{ start: 1, deleteCount: 0, insert: "a" }, "junk"]) },
    { name: "a base_hash that is not the stored base", status: 409, field: "base_hash", build: (input) => withField(validEnvelope(input, "patch"), "base_hash", sha256(`${input.base}x`)) },
    { name: "a patch whose result does not hash to next_hash", status: 409, field: "next_hash", build: (input) => withField(validEnvelope(input, "patch"), "next_hash", sha256("another body")) },
    { name: "a full_sync whose body does not hash to next_hash", status: 409, field: "next_hash", build: (input) => withField(validEnvelope(input, "full_sync"), "body", "not the hashed body") },
  ];
}

/** Oversized: a string near the size limit where none is allowed, and envelopes or rebuilt bodies over it. */
function sizeCases(): EnvelopeCase[] {
  return [
    { name: "an affinity key near the size limit", status: 400, field: "affinity", build: (input) => withField(validEnvelope(input, "full_sync"), "affinity", "k".repeat(input.maxRequestBytes - 4096)) },
    {
      name: "a header value near the size limit",
      status: 400,
      field: "upstream.headers",
      build: (input) => withField(validEnvelope(input, "full_sync"), "upstream.headers", { "x-stand-in-id": input.standInId, "x-a": "世".repeat(Math.floor((input.maxRequestBytes - 4096) / 3)) }),
    },
    { name: "a body near the size limit whose hash is wrong", status: 409, field: "body", build: (input) => withField(validEnvelope(input, "full_sync"), "body", "b".repeat(input.maxRequestBytes - 4096)) },
    { name: "a body just over the size limit", status: 413, field: "body", build: (input) => withField(validEnvelope(input, "full_sync"), "body", "b".repeat(input.maxRequestBytes + 1)) },
    {
      name: "a patch whose rebuilt body exceeds the size limit",
      status: 413,
      field: "patch",
      httpOnly: true,
      build: (input) => {
        const { key, base } = input.big;
        const insert = "i".repeat(input.maxRequestBytes - base.length + 1);
        const next = `${base}${insert}`;
        return patchEnvelope({ affinity: key, base, patch: { start: base.length, deleteCount: 0, insert }, next, revision: 2, headers: { "x-stand-in-id": input.standInId } });
      },
    },
  ];
}

/** Every generated envelope case. */
export function envelopeCases(): EnvelopeCase[] {
  return [...fieldCases(), ...missingCases(), ...semanticCases(), ...sizeCases()];
}
