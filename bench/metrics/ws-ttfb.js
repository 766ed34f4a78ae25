// @ts-check
/**
 * Metric 3: a warm protocol-2 request (time from sending the request frame on an already-open socket to the
 * first binary frame) against the same request over transparent HTTP through the same relay (time to the first
 * body byte), alternating in random order. Same upstream answer, same request body.
 */
import { expectStatus, timedRequest } from "../lib/http.js";
import { interleave, pairRatios } from "../lib/interleave.js";
import { result } from "../lib/report.js";
import { MESSAGES_PATH, SMALL_STREAM_BODY, sseHeaders } from "../lib/scenarios.js";
import { median, quantile, roundSpread } from "../lib/stats.js";
import { warmUp } from "../lib/targets.js";
import { Protocol2Client, sha256 } from "../lib/ws.js";

/** @param {import("../lib/targets.js").Targets} targets @param {import("../lib/plan.js").Plan} plan */
export async function measureWsTtfb(targets, plan) {
  const { relay } = targets;
  const upstream = { url: `${targets.upstreamUrl}${MESSAGES_PATH}`, method: "POST", headers: sseHeaders() };
  const nextHash = sha256(SMALL_STREAM_BODY);
  const client = await Protocol2Client.open(relay.url, "bench-ws", { "x-relay-token": relay.headers()["x-relay-token"] ?? "" });
  let revision = 0;
  const wsRequest = async () => {
    revision += 1;
    const timing = await client.request({ upstream, mode: "full_sync", revision, next_hash: nextHash, body: SMALL_STREAM_BODY });
    if (timing.status !== 200 || timing.bytes === 0) throw new Error(`protocol-2 request answered ${timing.status} with ${timing.bytes} bytes`);
    return timing;
  };
  /** @type {number[]} */
  const wsDone = [];
  /** @type {number[]} */
  const httpDone = [];
  try {
    for (let index = 0; index < plan.warmUp; index += 1) await wsRequest();
    await warmUp(relay, MESSAGES_PATH, { ...sseHeaders(), ...relay.headers("bench-ws-http") }, SMALL_STREAM_BODY, plan.warmUp);
    const samples = await interleave(plan.wsRounds, /** @type {const} */ (["ws", "http"]), async (key) => {
      if (key === "ws") {
        const timing = await wsRequest();
        wsDone.push(timing.doneMs);
        return timing.firstByteMs;
      }
      const timed = await timedRequest(`${relay.url}${MESSAGES_PATH}`, {
        headers: { ...sseHeaders(), ...relay.headers("bench-ws-http") }, body: SMALL_STREAM_BODY, agent: relay.agent,
      });
      expectStatus(timed, 200, "transparent SSE request to the relay");
      httpDone.push(timed.totalMs);
      return timed.ttfbMs;
    }, { seed: 13, budgetMs: plan.budgetMs });
    const { ws, http } = samples;
    return [
      result({
        metric: 3, key: "ws_vs_http_ttfb", name: "WebSocket warm request TTFB vs HTTP (relay), p50", value: median(ws), unit: "ms",
        baseline: median(http), baselineName: "relay over HTTP", spread: roundSpread(pairRatios(ws, http)),
        target: { on: "ratio", op: "<=", value: 0.8, text: "ratio <= 0.8" },
        details: {
          rounds: ws.length, wsP90Ms: quantile(ws, 0.9), httpP90Ms: quantile(http, 0.9), wsP99Ms: quantile(ws, 0.99),
          httpP99Ms: quantile(http, 0.99), wsCompleteP50Ms: median(wsDone), httpCompleteP50Ms: median(httpDone),
          request: "protocol 2 full_sync of a small streamed Messages request; HTTP: the same body, transparent mode",
        },
      }),
    ];
  } finally {
    client.close();
  }
}
