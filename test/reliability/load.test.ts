/**
 * Under load the relay keeps working and loses no error record: 64 sessions x 20 turns, 16 sessions at a time,
 * each mixing transparent SSE, protocol-1 envelopes (full_sync, then patches on the stored base) and protocol-2
 * WebSocket turns. Every body arrives byte for byte; every injected upstream error (500, 529, an SSE
 * `event: error`) leaves exactly one record, the record of that very request, in the session's journal and, once
 * delivered, in KV; ignored statuses (429) are counted, not journaled. Requests pipelined on many sockets at
 * once are answered one after another in arrival order.
 */
import { describe, expect, it } from "vitest";
import { forEachConcurrently, transparent, uniqueKey } from "./helpers/context.js";
import { Conversation, postEnvelope, sha256, toFrame } from "./helpers/envelopes.js";
import { sseAnswer } from "./helpers/expected.js";
import { type JournalRecord, kvListing, type SessionSummary, sessionRecords, settledSummaries } from "./helpers/forensics.js";
import { expectation, planTurn, scenarioHeaders, type Transport, type TurnPlan } from "./helpers/load-plan.js";
import { WsClient } from "./helpers/ws-client.js";

const SESSIONS = 64;
const TURNS = 20;
const CONCURRENCY = 16;
/** The API's cap on a session's journal listing: the plan must stay under it. */
const SESSION_LISTING_MAX = 100;

interface Injected {
  requestId: string;
  kind: string;
  status: number;
  transport: string;
  protocol: string | number;
}

interface SessionRun {
  key: string;
  injected: Injected[];
  ignored: number;
  state: { hash: string; revision: number } | null;
  problems: string[];
}

interface Received {
  status: number;
  body: Buffer;
  requestId: string | null;
  problem?: string;
}

async function sendTurn(run: SessionRun, plan: TurnPlan, label: string, conversation: Conversation, socket: () => Promise<WsClient>): Promise<Received> {
  const headers = scenarioHeaders(plan);
  if (plan.transport === "transparent") {
    const response = await transparent(run.key, headers);
    return { status: response.status, body: Buffer.from(await response.arrayBuffer()), requestId: response.headers.get("x-relay-request-id") };
  }
  // Every seventh envelope turn resends the whole body, as a client does after a restart.
  const { envelope, body } = conversation.next(headers, { fullSync: conversation.revision % 7 === 6 });
  if (plan.transport === "p1") {
    const response = await postEnvelope(envelope);
    if (response.status !== 409) conversation.commit(body);
    return { status: response.status, body: Buffer.from(await response.arrayBuffer()), requestId: response.headers.get("x-relay-request-id") };
  }
  const turn = await (await socket()).turn(toFrame(envelope, label));
  if (turn.accepted.type === "accepted") conversation.commit(body);
  const requestId = typeof turn.accepted.requestId === "string" ? turn.accepted.requestId : null;
  const problem = JSON.stringify(turn.end) === JSON.stringify({ protocol: 2, type: "done", id: label }) ? undefined : `ended with ${JSON.stringify(turn.end)}`;
  return { status: typeof turn.start.status === "number" ? turn.start.status : -1, body: turn.body, requestId, problem };
}

async function runSession(index: number): Promise<SessionRun> {
  const run: SessionRun = { key: uniqueKey(`load-s${index}`), injected: [], ignored: 0, state: null, problems: [] };
  const conversation = new Conversation(run.key);
  // Held in an object: the socket is opened lazily, inside a closure.
  const held: { client: WsClient | null } = { client: null };
  const socket = async (): Promise<WsClient> => {
    if (held.client) return held.client;
    const opened = await WsClient.openReady(run.key, { via: index % 4 === 0 ? "query" : "header" });
    // The session's base is one, whichever transport stored it.
    const base = conversation.base;
    const expected = base === null ? null : { hash: sha256(base), revision: conversation.revision };
    if (conversation.known && JSON.stringify(opened.ready.state) !== JSON.stringify(expected)) run.problems.push(`ready ${JSON.stringify(opened.ready)}, expected ${JSON.stringify(expected)}`);
    held.client = opened.client;
    return opened.client;
  };
  try {
    for (let turn = 0; turn < TURNS; turn += 1) {
      const plan = planTurn(index, turn);
      const expected = expectation(plan);
      const label = `s${index}t${turn}-${plan.transport}-${plan.outcome}`;
      let received: Received;
      try {
        received = await sendTurn(run, plan, label, conversation, socket);
      } catch (error) {
        // Recorded, not thrown: one broken turn must not hide what the others show. The next turn reconnects.
        run.problems.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
        held.client?.terminate();
        held.client = null;
        conversation.reset();
        continue;
      }
      if (received.problem) run.problems.push(`${label}: ${received.problem}`);
      if (received.status !== expected.status) run.problems.push(`${label}: status ${received.status}, expected ${expected.status}`);
      if (!received.body.equals(expected.body)) {
        run.problems.push(`${label}: body of ${received.body.byteLength} bytes differs from the upstream's ${expected.body.byteLength}: ${received.body.toString("utf8").slice(0, 200)}`);
      }
      if (received.requestId === null || !/^[0-9A-HJKMNP-TV-Z]{26}$/.test(received.requestId)) run.problems.push(`${label}: request id ${received.requestId}`);
      if (expected.record) run.injected.push({ requestId: received.requestId ?? label, ...expected.record });
      if (plan.outcome === "ignored429") run.ignored += 1;
    }
  } finally {
    held.client?.close();
  }
  run.state = conversation.base === null ? null : { hash: sha256(conversation.base), revision: conversation.revision };
  return run;
}

function byRequestId(list: readonly { requestId: string }[]): string[] {
  return list.map((entry) => entry.requestId).sort();
}

/** What the journal must say about a session, and what it says: compared whole, so a diff names the session. */
function journalView(run: SessionRun, summary: SessionSummary, records: JournalRecord[], kvIds: string[]): { actual: unknown; expected: unknown } {
  const ignored = run.ignored > 0 ? { "429": run.ignored } : {};
  const recordOf = (record: JournalRecord): Injected => ({
    requestId: record.requestId, kind: record.kind, status: record.status ?? -1, transport: record.transport, protocol: record.protocol,
  });
  return {
    expected: {
      errors: run.injected.length, undelivered: 0, ignored, state: run.state,
      records: [...run.injected].sort((a, b) => a.requestId.localeCompare(b.requestId)),
      kvIds: records.map((record) => record.id).sort(),
    },
    actual: {
      errors: summary.errors, undelivered: summary.undelivered, ignored: summary.ignored,
      state: summary.state === null ? null : { hash: summary.state.hash, revision: summary.state.revision },
      records: records.map(recordOf).sort((a, b) => a.requestId.localeCompare(b.requestId)),
      kvIds: [...kvIds].sort(),
    },
  };
}

/**
 * Sends `count` requests on one socket at once (each a patch on the one before, as a client that does not wait)
 * and reads the answers: they must come one request after another, in arrival order, each byte for byte.
 */
async function pipelineSession(index: number, count: number): Promise<string[]> {
  const key = uniqueKey(`pipeline-s${index}`);
  const conversation = new Conversation(key);
  const { client } = await WsClient.openReady(key);
  const problems: string[] = [];
  const ids: string[] = [];
  for (let turn = 0; turn < count; turn += 1) {
    const deltas = 1 + ((index + turn) % 5);
    const { envelope, body } = conversation.next({ "x-stand-in-deltas": String(deltas), "x-stand-in-delay-ms": turn === 0 ? "20" : "0" });
    conversation.commit(body);
    ids.push(`p${turn}-${deltas}`);
    client.send(toFrame(envelope, `p${turn}-${deltas}`));
  }
  for (const id of ids) {
    const turn = await client.readTurn(id).catch((error: unknown) => ({ error }));
    if ("error" in turn) {
      problems.push(`${key} ${id}: ${String(turn.error)}`);
      break;
    }
    const deltas = Number(id.split("-")[1]);
    if (JSON.stringify(turn.end) !== JSON.stringify({ protocol: 2, type: "done", id })) problems.push(`${key} ${id}: ended ${JSON.stringify(turn.end)}`);
    else if (!turn.body.equals(sseAnswer(deltas))) problems.push(`${key} ${id}: body differs`);
  }
  client.close();
  return problems;
}

describe("load: 64 sessions x 20 turns over three transports", () => {
  it("delivers every body byte for byte and keeps exactly one record per injected upstream error", { timeout: 300_000 }, async () => {
    const plans = Array.from({ length: SESSIONS }, (_, session) => Array.from({ length: TURNS }, (_, turn) => planTurn(session, turn)));
    const combos = new Set(plans.flat().filter((plan) => plan.outcome !== "ok").map((plan) => `${plan.transport}/${plan.outcome}`));
    for (const transport of ["transparent", "p1", "p2"] satisfies Transport[]) {
      for (const outcome of ["status500", "status529", "sseError", "ignored429"]) expect(combos, "the plan covers every pair").toContain(`${transport}/${outcome}`);
    }
    const injectedPlanned = plans.flat().filter((plan) => expectation(plan).record !== null).length;

    const started = performance.now();
    const runs: SessionRun[] = new Array<SessionRun>(SESSIONS);
    await forEachConcurrently(plans, CONCURRENCY, async (_plan, index) => {
      runs[index] = await runSession(index);
    });
    const loadSeconds = (performance.now() - started) / 1000;
    expect(runs.flatMap((run) => run.problems)).toEqual([]);
    const injected = runs.reduce((sum, run) => sum + run.injected.length, 0);
    expect(injected).toBe(injectedPlanned);
    expect(Math.max(...runs.map((run) => run.injected.length))).toBeLessThanOrEqual(SESSION_LISTING_MAX);

    // Journaling is off the response path: wait until every session holds its records and delivered them to KV.
    const settleStarted = performance.now();
    const summaries = await settledSummaries(new Map(runs.map((run) => [run.key, run.injected.length])));
    const settleSeconds = (performance.now() - settleStarted) / 1000;

    const actual: Record<string, unknown> = {};
    const expected: Record<string, unknown> = {};
    await forEachConcurrently(runs, CONCURRENCY, async (run) => {
      const summary = summaries.get(run.key);
      if (!summary) throw new Error(`no summary for ${run.key}`);
      const records = await sessionRecords(run.key);
      // Small pages, so that the per-session listing's cursors are followed too.
      const kv = await kvListing(`session=${encodeURIComponent(run.key)}&limit=2`);
      const view = journalView(run, summary, records, kv.errors.map((entry) => entry.id));
      actual[run.key] = view.actual;
      expected[run.key] = view.expected;
    });
    expect(actual).toEqual(expected);

    const keys = new Set(runs.map((run) => run.key));
    const global = (await kvListing("limit=100")).errors.filter((entry) => entry.affinity !== null && keys.has(entry.affinity));
    expect(new Set(global.map((entry) => entry.id)).size).toBe(global.length);
    expect(byRequestId(global)).toEqual(byRequestId(runs.flatMap((run) => run.injected)));

    const ignored = runs.reduce((sum, run) => sum + run.ignored, 0);
    console.log(
      `load: ${SESSIONS} sessions x ${TURNS} turns (${SESSIONS * TURNS} requests, ${CONCURRENCY} sessions at once, ` +
        `${injected} injected errors, ${ignored} ignored 429s) in ${loadSeconds.toFixed(1)} s; ` +
        `journals settled and checked in ${settleSeconds.toFixed(1)} s`,
    );
  });

  it("answers requests pipelined on 32 sockets at once in arrival order, byte for byte", { timeout: 120_000 }, async () => {
    const started = performance.now();
    const problems: string[] = [];
    await forEachConcurrently(Array.from({ length: 32 }, (_, index) => index), 32, async (index) => {
      problems.push(...(await pipelineSession(index, 10)));
    });
    expect(problems).toEqual([]);
    console.log(`pipelined: 32 sockets x 10 queued requests in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  });
});
