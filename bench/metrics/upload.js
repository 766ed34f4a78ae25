// @ts-check
/**
 * Metric 4: upload bytes of a 50-turn growing conversation over protocol 1: one session sending patches, one
 * sending full_sync bodies, turn by turn alternating, every envelope really relayed (each must answer 200: a 409
 * means the patch did not rebuild the body). Counted: the envelope JSON the client sends. The limit: the bytes
 * that are really new in each turn (turn 1: the whole body).
 */
import { expectStatus, timedRequest } from "../lib/http.js";
import { conversationBodies, envelopeFor, envelopeUpstream } from "../lib/conversation.js";
import { result } from "../lib/report.js";
import { median, sum } from "../lib/stats.js";

/** @param {import("../lib/targets.js").Targets} targets @param {import("../lib/plan.js").Plan} plan */
export async function measureUpload(targets, plan) {
  const { relay } = targets;
  const bodies = conversationBodies(plan.turns);
  const upstream = envelopeUpstream(targets.upstreamUrl);
  const runId = Date.now().toString(36);
  /** @type {Record<"patch" | "full_sync", { bytes: number[], ms: number[] }>} */
  const sent = { patch: { bytes: [], ms: [] }, full_sync: { bytes: [], ms: [] } };
  /** @type {number[]} */
  const newBytes = [];
  for (let index = 0; index < bodies.length; index += 1) {
    /** @type {Array<"patch" | "full_sync">} */
    const order = index % 2 === 0 ? ["patch", "full_sync"] : ["full_sync", "patch"];
    for (const mode of order) {
      const envelope = envelopeFor({ bodies, index, mode, affinity: `bench-upload-${mode}-${runId}`, upstream });
      const timed = await timedRequest(`${relay.url}/`, {
        headers: { "content-type": "application/json", ...relay.headers() }, body: envelope.json, agent: relay.agent, keepBody: true,
      });
      expectStatus(timed, 200, `turn ${index + 1} (${mode}) through protocol 1`);
      sent[mode].bytes.push(Buffer.byteLength(envelope.json));
      sent[mode].ms.push(timed.totalMs);
      if (mode === "patch") newBytes.push(envelope.newBytes);
    }
  }
  const patchTotal = sum(sent.patch.bytes);
  const fullTotal = sum(sent.full_sync.bytes);
  const limit = sum(newBytes);
  const details = {
    turns: plan.turns, patchEnvelopeBytes: patchTotal, fullSyncEnvelopeBytes: fullTotal, newBytes: limit,
    lastBodyBytes: Buffer.byteLength(/** @type {string} */ (bodies[bodies.length - 1])),
    patchTurnMedianBytes: median(sent.patch.bytes.slice(1)), newTurnMedianBytes: median(newBytes.slice(1)),
    patchTurnCompleteP50Ms: median(sent.patch.ms.slice(1)), fullSyncTurnCompleteP50Ms: median(sent.full_sync.ms.slice(1)),
    note: "turn 1 is a full_sync in both sessions; every turn answered 200",
  };
  return [
    result({
      metric: 4, key: "upload_patch_vs_full", name: `Upload, ${plan.turns}-turn conversation: patches vs full_sync`,
      value: patchTotal, unit: "bytes", baseline: fullTotal, baselineName: "full_sync bodies",
      target: { on: "ratio", op: "<=", value: 0.05, text: "ratio <= 0.05" }, details,
    }),
    result({
      metric: 4, key: "upload_patch_vs_new_bytes", name: "Upload, patches vs the new-bytes limit",
      value: patchTotal, unit: "bytes", baseline: limit, baselineName: "new bytes",
      target: { on: "ratio", op: "<=", value: 1.1, text: "ratio <= 1.1" }, details: { turns: plan.turns },
    }),
  ];
}
