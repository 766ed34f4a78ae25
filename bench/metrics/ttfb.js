// @ts-check
/**
 * Metric 1: time to the first body byte of a streamed SSE answer, relay vs baseline (and as context direct, the
 * stand-in itself, and in full runs the baseline with a Durable Object hop), one request each per round in
 * random order.
 */
import { expectStatus, timedRequest } from "../lib/http.js";
import { interleave, pairRatios } from "../lib/interleave.js";
import { result } from "../lib/report.js";
import { MESSAGES_PATH, SMALL_STREAM_BODY, sseHeaders } from "../lib/scenarios.js";
import { bootstrapRatioSpread, quantile, roundSpread } from "../lib/stats.js";
import { warmUp } from "../lib/targets.js";
import { CpuAccount } from "../lib/workerd.js";

const AFFINITY = "bench-ttfb";

/** @param {import("../lib/targets.js").Targets} targets @param {import("../lib/plan.js").Plan} plan */
export async function measureTtfb(targets, plan) {
  /** @type {Record<string, import("../lib/targets.js").Target>} */
  const byKey = { relay: targets.relay, baseline: targets.baseline, direct: targets.direct };
  if (targets.doHop) byKey.doHop = targets.doHop;
  for (const t of Object.values(byKey)) {
    await warmUp(t, MESSAGES_PATH, { ...sseHeaders(), ...t.headers(AFFINITY) }, SMALL_STREAM_BODY, plan.warmUp);
  }
  /** @type {Record<string, CpuAccount>} */
  const cpu = {};
  for (const [key, t] of Object.entries(byKey)) if (key !== "direct") cpu[key] = new CpuAccount(t);
  const samples = await interleave(plan.ttfbRounds, Object.keys(byKey), async (key) => {
    const t = /** @type {import("../lib/targets.js").Target} */ (byKey[key]);
    const timed = await timedRequest(`${t.url}${MESSAGES_PATH}`, {
      headers: { ...sseHeaders(), ...t.headers(AFFINITY) }, body: SMALL_STREAM_BODY, agent: t.agent,
    });
    expectStatus(timed, 200, `SSE request to ${t.name}`);
    return timed.ttfbMs;
  }, { seed: 11, budgetMs: plan.budgetMs });
  const { relay = [], baseline = [], direct = [], doHop } = samples;
  const p = (/** @type {number[]} */ values, /** @type {number} */ q) => quantile(values, q);
  const details = {
    rounds: relay.length,
    relayMs: { p10: p(relay, 0.1), p50: p(relay, 0.5), p90: p(relay, 0.9), p99: p(relay, 0.99) },
    baselineMs: { p10: p(baseline, 0.1), p50: p(baseline, 0.5), p90: p(baseline, 0.9), p99: p(baseline, 0.99) },
    directMs: { p50: p(direct, 0.5), p99: p(direct, 0.99) },
    doHopMs: doHop ? { p50: p(doHop, 0.5), p99: p(doHop, 0.99) } : null,
    doHopRatioToBaselineP50: doHop ? p(doHop, 0.5) / p(baseline, 0.5) : null,
    addedOverBaselineP50Ms: p(relay, 0.5) - p(baseline, 0.5),
    cpuMsPerRequest: Object.fromEntries(Object.entries(cpu).map(([key, account]) => [key, account.perUnit(relay.length)])),
    answer: "stand-in `messages`, 5 deltas, about 1.3 KB of SSE",
  };
  return [
    result({
      metric: 1, key: "ttfb_sse_p50", name: "SSE time to first byte, p50", value: p(relay, 0.5), unit: "ms",
      baseline: p(baseline, 0.5), baselineName: "baseline", spread: roundSpread(pairRatios(relay, baseline)),
      target: { on: "ratio", op: "<=", value: 1.05, text: "ratio <= 1.05" }, details,
    }),
    result({
      metric: 1, key: "ttfb_sse_p99", name: "SSE time to first byte, p99", value: p(relay, 0.99), unit: "ms",
      baseline: p(baseline, 0.99), baselineName: "baseline",
      spread: bootstrapRatioSpread(relay, baseline, (values) => quantile(values, 0.99)),
      target: { on: "ratio", op: "<=", value: 1.2, text: "ratio <= 1.2" }, details: { rounds: relay.length },
    }),
  ];
}
