// @ts-check
/**
 * Metric 2: streaming throughput of a large response typed text/event-stream (the stand-in's `bytes` scenario),
 * relay vs baseline through wrangler dev, one download each per round in random order; direct (the stand-in) and,
 * in full runs, the baseline with a Durable Object hop as context. Also as context: the same downloads on each
 * Worker's workerd runtime socket, past wrangler dev's proxy, where the Workers' own costs show.
 */
import { expectStatus, timedRequest } from "../lib/http.js";
import { interleave, pairRatios } from "../lib/interleave.js";
import { result } from "../lib/report.js";
import { bulkSseHeaders, MESSAGES_PATH } from "../lib/scenarios.js";
import { median, roundSpread } from "../lib/stats.js";
import { runtimeDirect, waitForProxyDrain } from "../lib/targets.js";
import { CpuAccount } from "../lib/workerd.js";

/** @typedef {import("../lib/targets.js").Target} Target */

const AFFINITY = "bench-throughput";
const MB = 1024 * 1024;

/** @param {Target} t @param {number} bytes @returns {Promise<number>} MB/s */
async function download(t, bytes) {
  const timed = await timedRequest(`${t.url}${MESSAGES_PATH}`, {
    headers: { ...bulkSseHeaders(bytes), ...t.headers(AFFINITY) }, body: "{}", agent: t.agent,
  }).catch((error) => {
    throw new Error(`${t.name}: ${error instanceof Error ? error.message : error}`);
  });
  expectStatus(timed, 200, `bulk SSE from ${t.name}`);
  if (timed.bytes !== bytes) throw new Error(`${t.name} delivered ${timed.bytes} of ${bytes} bytes`);
  if (!timed.contentType.startsWith("text/event-stream")) throw new Error(`${t.name} answered ${timed.contentType}`);
  return bytes / MB / (timed.totalMs / 1000);
}

/**
 * Interleaved downloads of `bytes` from each target, with the CPU its workerd processes used per MB.
 * @param {Record<string, Target>} byKey @param {number} bytes @param {number} rounds @param {import("../lib/plan.js").Plan} plan
 * @param {number} seed
 */
async function measureSet(byKey, bytes, rounds, plan, seed) {
  for (const t of Object.values(byKey)) {
    await download(t, Math.min(bytes, 2 * MB));
    await waitForProxyDrain(t);
  }
  /** @type {Record<string, CpuAccount>} */
  const cpu = {};
  for (const [key, t] of Object.entries(byKey)) if (key !== "direct") cpu[key] = new CpuAccount(t);
  const samples = await interleave(rounds, Object.keys(byKey), async (key) => {
    const t = /** @type {Target} */ (byKey[key]);
    const rate = await download(t, bytes);
    await waitForProxyDrain(t);
    return rate;
  }, { seed, budgetMs: plan.budgetMs * 2 });
  const megabytes = ((samples.relay?.length ?? 0) * bytes) / MB;
  const cpuMsPerMB = Object.fromEntries(Object.entries(cpu).map(([key, account]) => [key, account.perUnit(megabytes)]));
  return { samples, cpuMsPerMB };
}

/** @param {import("../lib/targets.js").Targets} targets @param {import("../lib/plan.js").Plan} plan */
export async function measureThroughput(targets, plan) {
  /** @type {Record<string, Target>} */
  const byKey = { relay: targets.relay, baseline: targets.baseline, direct: targets.direct };
  if (targets.doHop) byKey.doHop = targets.doHop;
  const size = plan.throughputBytes;
  const proxied = await measureSet(byKey, size, plan.throughputRounds, plan, 12);
  const { relay = [], baseline = [], direct = [], doHop } = proxied.samples;

  // Context only (past wrangler dev's proxy): full runs measure it, quick runs skip it to stay under a minute.
  const runtime = plan.runtimeRounds > 0 ? await measureRuntimeSockets(targets, plan) : null;

  return [
    result({
      metric: 2, key: "throughput_sse", name: `SSE-typed stream throughput (${size / MB} MB)`, value: median(relay),
      unit: "MB/s", baseline: median(baseline), baselineName: "baseline", spread: roundSpread(pairRatios(relay, baseline)),
      target: { on: "ratio", op: ">=", value: 0.9, text: "ratio >= 0.9" },
      details: {
        rounds: relay.length, bytesPerDownload: size, relayMBps: relay, baselineMBps: baseline, directMBps: direct,
        directMedianMBps: median(direct), doHopMBps: doHop ?? null,
        doHopRatioToBaseline: doHop ? median(doHop) / median(baseline) : null, cpuMsPerMB: proxied.cpuMsPerMB,
        runtimeSocket: runtime,
      },
    }),
  ];
}

/** The same downloads on each Worker's runtime socket, past wrangler dev's proxy. @param {import("../lib/targets.js").Targets} targets @param {import("../lib/plan.js").Plan} plan */
async function measureRuntimeSockets(targets, plan) {
  /** @type {Record<string, Target>} */
  const runtimeKeys = { relay: await runtimeDirect(targets.relay), baseline: await runtimeDirect(targets.baseline) };
  if (targets.doHop) runtimeKeys.doHop = await runtimeDirect(targets.doHop);
  const runtime = await measureSet(runtimeKeys, plan.runtimeBytes, plan.runtimeRounds, plan, 22);
  const { relay: relayRt = [], baseline: baselineRt = [], doHop: doHopRt } = runtime.samples;
  return {
    note: "the same downloads on each Worker's workerd runtime socket, past wrangler dev's proxy",
    bytesPerDownload: plan.runtimeBytes, rounds: relayRt.length, relayMBps: relayRt, baselineMBps: baselineRt,
    ratio: median(relayRt) / median(baselineRt), spread: roundSpread(pairRatios(relayRt, baselineRt)),
    doHopRatioToBaseline: doHopRt ? median(doHopRt) / median(baselineRt) : null, cpuMsPerMB: runtime.cpuMsPerMB,
  };
}
