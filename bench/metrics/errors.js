// @ts-check
/**
 * Metric 5: latency of an upstream error answer (stand-in status 500, a journaled status) through the relay with
 * journaling, against a second relay with JOURNAL_DISABLED=1, alternating in random order. Requests are paced
 * (plan.errorPauseMs after each) so that one relay's background journal work does not land in the other's timing.
 */
import { expectStatus, timedRequest } from "../lib/http.js";
import { interleave, pairRatios } from "../lib/interleave.js";
import { result } from "../lib/report.js";
import { errorHeaders, MESSAGES_PATH, SMALL_STREAM_BODY } from "../lib/scenarios.js";
import { median, quantile, roundSpread } from "../lib/stats.js";
import { ADMIN_TOKEN, warmUp } from "../lib/targets.js";
import { CpuAccount } from "../lib/workerd.js";

const AFFINITY = "bench-errors";

/** @param {import("../lib/targets.js").Targets} targets @param {import("../lib/plan.js").Plan} plan */
export async function measureErrorLatency(targets, plan) {
  const byKey = { journal: targets.relay, noJournal: targets.relayNoJournal };
  for (const t of Object.values(byKey)) {
    await warmUp(t, MESSAGES_PATH, { ...errorHeaders(), ...t.headers(AFFINITY) }, SMALL_STREAM_BODY, plan.warmUp);
  }
  const cpu = { journal: new CpuAccount(targets.relay), noJournal: new CpuAccount(targets.relayNoJournal) };
  const samples = await interleave(plan.errorRounds, /** @type {const} */ (["journal", "noJournal"]), async (key) => {
    const t = byKey[key];
    const timed = await timedRequest(`${t.url}${MESSAGES_PATH}`, {
      headers: { ...errorHeaders(), ...t.headers(AFFINITY) }, body: SMALL_STREAM_BODY, agent: t.agent, keepBody: true,
    });
    expectStatus(timed, 500, `error request to ${t.name}`);
    return timed.totalMs;
  }, { seed: 15, pauseMs: plan.errorPauseMs, budgetMs: plan.budgetMs });
  const { journal, noJournal } = samples;
  const cpuMsPerRequest = { journal: cpu.journal.perUnit(journal.length), noJournal: cpu.noJournal.perUnit(journal.length) };
  const journaled = await journaledCount(targets.relay);
  return [
    result({
      metric: 5, key: "error_latency_journal", name: "Error answer (500) latency, journaling on vs off, p50", value: median(journal),
      unit: "ms", baseline: median(noJournal), baselineName: "JOURNAL_DISABLED=1", spread: roundSpread(pairRatios(journal, noJournal)),
      target: { on: "ratio", op: "<=", value: 1.05, text: "ratio <= 1.05" },
      details: {
        rounds: journal.length, pauseMs: plan.errorPauseMs, journalP90Ms: quantile(journal, 0.9), noJournalP90Ms: quantile(noJournal, 0.9),
        journalP99Ms: quantile(journal, 0.99), noJournalP99Ms: quantile(noJournal, 0.99), recordsInSessionJournal: journaled, cpuMsPerRequest,
        timed: "request sent to the last byte of the error body",
      },
    }),
  ];
}

/** How many records the journaling relay holds for the session: proof that journaling really ran. @param {import("../lib/targets.js").Target} relay */
async function journaledCount(relay) {
  try {
    const timed = await timedRequest(`${relay.url}/_relay/sessions/${AFFINITY}`, {
      method: "GET", headers: { "x-relay-admin-token": ADMIN_TOKEN }, agent: relay.agent, keepBody: true,
    });
    return JSON.parse(timed.body?.toString("utf8") ?? "{}").errors ?? null;
  } catch {
    return null;
  }
}
