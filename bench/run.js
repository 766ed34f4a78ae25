// @ts-check
/**
 * The benchmark harness (`npm run bench`, `npm run bench -- --quick`, `--only 1,3` for a subset). It starts the
 * stand-in upstream, the relay under wrangler dev, a second relay with JOURNAL_DISABLED=1 and the baseline Worker
 * (bench/baseline), measures the seven metrics of docs/benchmarks.md with relay and baseline interleaved, writes
 * bench/results.json, prints a table, and stops every child by process group, also on errors and Ctrl-C.
 */
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { measureConcurrency } from "./metrics/concurrency.js";
import { measureErrorLatency } from "./metrics/errors.js";
import { measureMemory } from "./metrics/memory.js";
import { measureThroughput } from "./metrics/throughput.js";
import { measureTtfb } from "./metrics/ttfb.js";
import { measureUpload } from "./metrics/upload.js";
import { measureWsTtfb } from "./metrics/ws-ttfb.js";
import { parsePlan } from "./lib/plan.js";
import { formatTable, writeResults } from "./lib/report.js";
import { startTargets, stopAll, waitForProxyDrain } from "./lib/targets.js";

const RESULTS = fileURLToPath(new URL("./results.json", import.meta.url));

/**
 * @typedef {(targets: import("./lib/targets.js").Targets, plan: import("./lib/plan.js").Plan)
 *   => Promise<import("./lib/report.js").MetricResult[]>} Measure
 */

/** @type {Array<[number, string, Measure]>} */
const METRICS = [
  [1, "SSE time to first byte", measureTtfb],
  [2, "streaming throughput", measureThroughput],
  [3, "WebSocket vs HTTP time to first byte", measureWsTtfb],
  [4, "upload bytes of a growing conversation", measureUpload],
  [5, "error latency with and without journaling", measureErrorLatency],
  [6, "memory while streaming", measureMemory],
  [7, "concurrency", measureConcurrency],
];

/** @type {import("./lib/report.js").MetricResult[]} */
const metrics = [];
/** @type {string[]} */
const failures = [];
let mode = /** @type {"quick" | "full"} */ ("full");
let stopping = false;
/** @param {NodeJS.Signals} signal */
async function onSignal(signal) {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`\n${signal}: stopping the stand-in and every wrangler dev...\n`);
  await stopAll();
  // What was measured before the interruption is kept, marked as such.
  writeResults(RESULTS, { mode, metrics, wallSeconds: Number.NaN, failures: [...failures, `interrupted by ${signal}`] });
  process.exit(130);
}

async function main() {
  const plan = parsePlan(process.argv.slice(2));
  mode = plan.mode;
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const started = performance.now();
  const log = (/** @type {string} */ text) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1)}s] ${text}\n`);
  log(`${plan.mode} run: starting the stand-in, two relays and the baseline${plan.doHop ? "s" : ""} under wrangler dev`);
  try {
    const targets = await startTargets({ lifetimeS: plan.lifetimeS, doHop: plan.doHop });
    log(`all up: ${[targets.direct, targets.relay, targets.relayNoJournal, targets.baseline, targets.doHop]
      .flatMap((t) => (t ? [`${t.name} ${t.url}`] : [])).join(", ")}`);
    for (const [number, title, measure] of METRICS) {
      if (stopping) break;
      if (plan.only && !plan.only.has(number)) continue;
      // wrangler dev's proxies let go of the loopback connections earlier metrics left (see runtimeDirect).
      for (const t of [targets.relay, targets.relayNoJournal, targets.baseline, targets.doHop]) if (t) await waitForProxyDrain(t);
      log(`metric ${number}: ${title}`);
      try {
        metrics.push(...(await measure(targets, plan)));
      } catch (error) {
        // One metric's failure is reported as such; the others still run.
        const message = error instanceof Error ? error.message : String(error);
        failures.push(`metric ${number} (${title}): ${message}`);
        log(`metric ${number} FAILED: ${message}`);
      }
    }
  } finally {
    await stopAll();
  }
  const wallSeconds = (performance.now() - started) / 1000;
  writeResults(RESULTS, { mode: plan.mode, metrics, wallSeconds, failures });
  process.stdout.write(`\n${formatTable(metrics)}\n\n`);
  for (const failure of failures) process.stdout.write(`FAILED ${failure}\n`);
  const missed = metrics.filter((m) => m.met === false).map((m) => m.key);
  process.stdout.write(
    `${plan.mode} run in ${wallSeconds.toFixed(1)} s; ${metrics.filter((m) => m.met).length} targets met, ` +
      `${missed.length} missed${missed.length ? ` (${missed.join(", ")})` : ""}; results in bench/results.json\n`,
  );
  // Misses are findings, not harness errors; a metric that could not be measured is.
  process.exitCode = failures.length > 0 ? 1 : 0;
}

main().catch(async (error) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  await stopAll();
  process.exit(1);
});
