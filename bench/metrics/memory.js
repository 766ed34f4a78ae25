// @ts-check
/**
 * Metric 6: peak RSS growth of the relay's workerd runtime process while a large SSE-typed body streams through
 * it, against its RSS just before. The stream goes to the runtime's own socket, past wrangler dev's proxy, as
 * fast as the runtime can send it. The baseline's runtime, streaming the same body, is measured as context.
 */
import { expectStatus, timedRequest } from "../lib/http.js";
import { sleep } from "../lib/interleave.js";
import { result } from "../lib/report.js";
import { findWorkerd, sampleRss } from "../lib/workerd.js";
import { bulkSseHeaders, MESSAGES_PATH } from "../lib/scenarios.js";
import { median } from "../lib/stats.js";
import { runtimeDirect, waitForProxyDrain } from "../lib/targets.js";

const MB = 1024 * 1024;
const SAMPLE_EVERY_MS = 10;

/** @param {import("../lib/targets.js").Target} proxied @param {number} bytes */
async function streamWhileSampling(proxied, bytes) {
  // Past wrangler dev's proxy, which cannot carry 100 MB of one response (see runtimeDirect).
  const t = await runtimeDirect(proxied);
  await waitForProxyDrain(proxied, 500);
  if (t.pid === null) throw new Error(`${t.name} has no process group`);
  const processes = findWorkerd(t.pid, t.port);
  const runtime = processes.find((p) => p.role === "runtime");
  const proxy = processes.find((p) => p.role === "proxy");
  if (!runtime) throw new Error(`no workerd runtime process in the process group of ${t.name}: ${JSON.stringify(processes)}`);
  const pids = [runtime.pid, ...(proxy ? [proxy.pid] : [])];
  // Warm: the same path once with a small body, then a quiet moment for the "before" figure.
  const warm = await timedRequest(`${t.url}${MESSAGES_PATH}`, { headers: { ...bulkSseHeaders(MB), ...t.headers("bench-memory") }, body: "{}", agent: t.agent });
  expectStatus(warm, 200, `warm-up stream from ${t.name}`);
  await sleep(300);
  const before = sampleRss(pids, SAMPLE_EVERY_MS);
  await sleep(300);
  const beforeSamples = before.stop();
  const during = sampleRss(pids, SAMPLE_EVERY_MS);
  const timed = await timedRequest(`${t.url}${MESSAGES_PATH}`, { headers: { ...bulkSseHeaders(bytes), ...t.headers("bench-memory") }, body: "{}", agent: t.agent });
  const duringSamples = during.stop();
  expectStatus(timed, 200, `memory stream from ${t.name}`);
  if (timed.bytes !== bytes) throw new Error(`${t.name} delivered ${timed.bytes} of ${bytes} bytes`);
  /** @param {number} pid */
  const growth = (pid) => {
    const base = median(beforeSamples[pid] ?? []);
    const peak = Math.max(...(duringSamples[pid] ?? []));
    return { beforeMB: base / MB, peakMB: peak / MB, growthMB: (peak - base) / MB };
  };
  return {
    runtime: growth(runtime.pid), proxy: proxy ? growth(proxy.pid) : null, samples: duringSamples[runtime.pid]?.length ?? 0,
    seconds: timed.totalMs / 1000,
  };
}

/** @param {import("../lib/targets.js").Targets} targets @param {import("../lib/plan.js").Plan} plan */
export async function measureMemory(targets, plan) {
  const relay = await streamWhileSampling(targets.relay, plan.memoryBytes);
  // Context only, and as long again: left out of quick runs.
  const baseline = plan.mode === "full" ? await streamWhileSampling(targets.baseline, plan.memoryBytes) : null;
  return [
    result({
      metric: 6, key: "rss_growth_streaming", name: `Relay workerd peak RSS growth, ${plan.memoryBytes / MB} MB streamed`,
      value: relay.runtime.growthMB, unit: "MB", baseline: baseline ? baseline.runtime.growthMB : null,
      baselineName: baseline ? "baseline's growth (context)" : null, ratio: null,
      target: { on: "value", op: "<", value: 32, text: "growth < 32 MB" },
      details: { relay, baseline, sampledEveryMs: SAMPLE_EVERY_MS, process: "workerd runtime of the wrangler dev process group, streamed on its own socket (not through the proxy)" },
    }),
  ];
}
