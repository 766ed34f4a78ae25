/**
 * The load test's plan, fixed in advance so that every count is known: which transport each turn of each session
 * uses, which turns the stand-in fails on purpose (and how), and what the client must receive for each.
 */
import { sseAnswer, sseErrorAnswer, statusAnswer } from "./expected.js";

export type Transport = "transparent" | "p1" | "p2";
export type Outcome = "ok" | "status500" | "status529" | "sseError" | "ignored429";

export interface TurnPlan {
  transport: Transport;
  outcome: Outcome;
  deltas: number;
}

/** What the client must receive, and the record the journal must hold (null: none). */
export interface Expectation {
  status: number;
  body: Buffer;
  record: { kind: string; status: number; transport: string; protocol: string | number } | null;
}

const TRANSPORTS: readonly Transport[] = ["transparent", "p1", "p2"];
const INJECTED: readonly Outcome[] = ["status500", "status529", "sseError"];

export function planTurn(session: number, turn: number): TurnPlan {
  const transport = TRANSPORTS[(session + turn) % 3] ?? "transparent";
  const deltas = 1 + ((session * 3 + turn) % 6);
  let outcome: Outcome = "ok";
  if ((session + turn) % 7 === 3) outcome = INJECTED[(session + 2 * turn) % 3] ?? "status500";
  else if ((session * 5 + turn) % 19 === 11) outcome = "ignored429";
  return { transport, outcome, deltas };
}

/** The stand-in steering headers for a turn. */
export function scenarioHeaders(plan: TurnPlan): Record<string, string> {
  const deltas = { "x-stand-in-deltas": String(plan.deltas) };
  switch (plan.outcome) {
    case "ok":
      return deltas;
    case "sseError":
      return { ...deltas, "x-stand-in-scenario": "sse-error" };
    case "status500":
      return { "x-stand-in-scenario": "status", "x-stand-in-status": "500" };
    case "status529":
      return { "x-stand-in-scenario": "status", "x-stand-in-status": "529" };
    case "ignored429":
      return { "x-stand-in-scenario": "status", "x-stand-in-status": "429" };
  }
}

export function expectation(plan: TurnPlan): Expectation {
  const transport = plan.transport === "p2" ? "websocket" : "http";
  const protocol = plan.transport === "transparent" ? "transparent" : plan.transport === "p1" ? 1 : 2;
  switch (plan.outcome) {
    case "ok":
      return { status: 200, body: sseAnswer(plan.deltas), record: null };
    case "sseError":
      return { status: 200, body: sseErrorAnswer(plan.deltas), record: { kind: "stream_event", status: 200, transport, protocol } };
    case "status500":
    case "status529": {
      const status = plan.outcome === "status500" ? 500 : 529;
      return { status, body: statusAnswer(status), record: { kind: "upstream_status", status, transport, protocol } };
    }
    case "ignored429":
      return { status: 429, body: statusAnswer(429), record: null };
  }
}
