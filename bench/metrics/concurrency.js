// @ts-check
/**
 * Metric 7: requests per second with 1, 16 and 64 concurrent sessions (distinct affinity keys), each session
 * sending short streamed answers back to back for a fixed window; relay and baseline alternate window by window
 * in random order. No target: context for capacity planning.
 */
import { performance } from "node:perf_hooks";
import { timedRequest } from "../lib/http.js";
import { interleave, pairRatios, sleep } from "../lib/interleave.js";
import { result } from "../lib/report.js";
import { MESSAGES_PATH, SMALL_STREAM_BODY, sseHeaders } from "../lib/scenarios.js";
import { median, quantile, roundSpread } from "../lib/stats.js";
import { waitForProxyDrain } from "../lib/targets.js";
import { CpuAccount } from "../lib/workerd.js";

/**
 * `sessions` clients, each looping over requests until the window closes. Only complete 200 answers count.
 * @param {import("../lib/targets.js").Target} t @param {number} sessions @param {number} windowMs
 */
async function runWindow(t, sessions, windowMs) {
  const start = performance.now();
  const deadline = start + windowMs;
  let ok = 0;
  let failed = 0;
  /** @type {number[]} */
  const latencies = [];
  /** @type {Record<string, number>} */
  const reasons = {};
  const fail = (/** @type {string} */ reason) => {
    failed += 1;
    reasons[reason] = (reasons[reason] ?? 0) + 1;
  };
  await Promise.all(Array.from({ length: sessions }, async (_, index) => {
    const headers = { ...sseHeaders(), ...t.headers(`bench-c${sessions}-${index}`) };
    while (performance.now() < deadline) {
      try {
        const timed = await timedRequest(`${t.url}${MESSAGES_PATH}`, { headers, body: SMALL_STREAM_BODY, agent: t.agent, timeoutMs: 30_000 });
        if (timed.status === 200) {
          ok += 1;
          latencies.push(timed.totalMs);
        } else fail(`HTTP ${timed.status}`);
      } catch (error) {
        fail(error instanceof Error ? error.message.replace(/:\d+/g, ":<port>").slice(0, 120) : String(error));
      }
    }
  }));
  const elapsed = performance.now() - start;
  return { rps: ok / (elapsed / 1000), ok, failed, latencies, reasons };
}

/** @typedef {{ ok: number, failed: number, reasons: Record<string, number>, latencies: number[], cpu: CpuAccount }} Tally */

/** @param {import("../lib/targets.js").Targets} targets @param {import("../lib/plan.js").Plan} plan */
export async function measureConcurrency(targets, plan) {
  /** @type {Record<string, import("../lib/targets.js").Target>} */
  const byKey = { relay: targets.relay, baseline: targets.baseline };
  if (targets.doHop) byKey.doHop = targets.doHop;
  const results = [];
  for (const sessions of plan.concurrencyLevels) {
    // Every session's object exists and every connection is open before the first window.
    for (const t of Object.values(byKey)) await runWindow(t, sessions, 1);
    await sleep(100);
    /** @type {Record<string, Tally>} */
    const tally = {};
    for (const [key, t] of Object.entries(byKey)) tally[key] = { ok: 0, failed: 0, reasons: {}, latencies: [], cpu: new CpuAccount(t) };
    const samples = await interleave(plan.concurrencyRounds, Object.keys(byKey), async (key) => {
      await waitForProxyDrain(/** @type {import("../lib/targets.js").Target} */ (byKey[key]));
      const window = await runWindow(/** @type {import("../lib/targets.js").Target} */ (byKey[key]), sessions, plan.concurrencyWindowMs);
      const into = /** @type {Tally} */ (tally[key]);
      into.ok += window.ok;
      into.failed += window.failed;
      for (const [reason, count] of Object.entries(window.reasons)) into.reasons[reason] = (into.reasons[reason] ?? 0) + count;
      into.latencies.push(...window.latencies);
      await sleep(100);
      return window.rps;
    }, { seed: 17 + sessions });
    const { relay = [], baseline = [], doHop } = samples;
    for (const [key, t] of Object.entries(tally)) {
      if (t.ok === 0) throw new Error(`${key} completed no request with ${sessions} sessions: ${JSON.stringify(t.reasons)}`);
    }
    /** @param {Tally} t */
    const describe = (t) => ({
      failed: t.failed, failures: t.reasons, latencyMs: { p50: median(t.latencies), p99: quantile(t.latencies, 0.99) }, cpuMsPerRequest: t.cpu.perUnit(t.ok),
    });
    results.push(result({
      metric: 7, key: `concurrency_${sessions}`, name: `Requests/s, ${sessions} concurrent session${sessions === 1 ? "" : "s"}`,
      value: median(relay), unit: "req/s", baseline: median(baseline), baselineName: "baseline",
      spread: roundSpread(pairRatios(relay, baseline)),
      details: {
        rounds: relay.length, windowMs: plan.concurrencyWindowMs, relayRps: relay, baselineRps: baseline,
        doHopRps: doHop ?? null, doHopRatioToBaseline: doHop ? median(doHop) / median(baseline) : null,
        ...Object.fromEntries(Object.entries(tally).map(([key, t]) => [key, describe(t)])),
      },
    }));
  }
  return results;
}
