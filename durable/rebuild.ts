/**
 * Turns a protocol-1/2 envelope into the exact bytes to send upstream: the body itself (full_sync) or the stored
 * base with patches applied (patch), checked against the hashes the client sent. A mismatch is a 409 raised
 * before anything reaches the upstream, and tells the client to resend a full_sync.
 */
import { RelayError, requestTooLarge } from "../src/errors";
import type { Envelope } from "../src/protocol";
import type { SessionBases } from "./bases";
import { applyPatches } from "./patch";

const encoder = new TextEncoder();

export interface RebuiltBody {
  bytes: Uint8Array;
  hash: string;
  revision: number;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return `sha256:${Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

export async function rebuildBody(envelope: Envelope, bases: SessionBases, maxBytes: number): Promise<RebuiltBody> {
  let text: string;
  if (envelope.mode === "full_sync") {
    text = envelope.body;
  } else {
    const stored = bases.state();
    if (stored === null) throw new RelayError(409, "this session has no stored base: send a full_sync");
    if (stored.hash !== envelope.baseHash) {
      throw new RelayError(409, "base_hash is not the session's stored base: send a full_sync");
    }
    text = applyPatches(bases.readBody(), envelope.patches);
  }
  const bytes = encoder.encode(text);
  if (bytes.byteLength > maxBytes) throw requestTooLarge(maxBytes);
  const hash = await sha256Hex(bytes);
  if (hash !== envelope.nextHash) {
    throw new RelayError(409, "the rebuilt body does not hash to next_hash: send a full_sync");
  }
  return { bytes, hash, revision: envelope.revision };
}
