import { invalidRequest } from "../src/errors";
import type { Patch } from "../src/protocol";

/**
 * Applies protocol-1 patches to a base body. Offsets are UTF-16 code units of the base (what
 * `String.prototype.slice` counts), every range refers to the base as stored, and ranges must come in order and
 * not overlap: a malformed patch list is a 400, never a silently different body.
 */
export function applyPatches(base: string, patches: readonly Patch[]): string {
  const parts: string[] = [];
  let cursor = 0;
  patches.forEach((patch, index) => {
    const end = patch.start + patch.deleteCount;
    if (end > base.length) {
      throw invalidRequest(`patch[${index}] reaches ${end}, past the end of the base (${base.length} code units)`);
    }
    if (patch.start < cursor) {
      throw invalidRequest(`patch[${index}] overlaps or precedes the previous patch: ranges must be ordered and disjoint`);
    }
    parts.push(base.slice(cursor, patch.start), patch.insert);
    cursor = end;
  });
  parts.push(base.slice(cursor));
  return parts.join("");
}
