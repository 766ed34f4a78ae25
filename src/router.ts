/**
 * The entry Worker's router: stateless, it authenticates, finds the session, and hands the request to the
 * session's object. Returns `null` for what it does not route; the caller composes the fallback.
 */
import { ulid } from "ulid";
import { parseAffinity } from "./affinity";
import { authenticateClient } from "./auth";
import { readBoundedBody } from "./bounded-body";
import { readConfig } from "./config";
import { invalidRequest, RelayError } from "./errors";
import { routeForensics } from "./forensics";
import { healthResponse } from "./health";
import { parseEnvelope, parseJson } from "./protocol";
import { restream } from "./restream";
import { type SessionRoute, toSessionRequest } from "./session-request";
import { callSession } from "./session-stub";

const decoder = new TextDecoder();

export interface RouteContext {
  env: Env;
  ctx: ExecutionContext;
  requestId: string;
}

export function newRequestId(): string {
  return ulid();
}

export async function routeRequest(request: Request, context: RouteContext): Promise<Response | null> {
  const url = new URL(request.url);
  if (url.pathname === "/") return routeRoot(request, context);
  if (url.pathname === "/_relay" || url.pathname.startsWith("/_relay/")) return routeForensics(request, context.env);
  if (url.pathname === "/ws") return routeSocket(request, url, context);
  await authenticateClient(request, context.env, { allowQueryToken: false });
  const affinity = parseAffinity(request.headers.get("x-session-affinity"), "x-session-affinity");
  return forward(request, { ...context, affinity, route: "transparent" });
}

async function routeRoot(request: Request, context: RouteContext): Promise<Response> {
  if (request.method === "GET" || request.method === "HEAD") return healthResponse();
  if (request.method !== "POST") throw new RelayError(405, `${request.method} / is not supported: use GET or POST`);
  await authenticateClient(request, context.env, { allowQueryToken: false });
  const config = readConfig(context.env);
  const body = await readBoundedBody(request, config.maxRequestBytes);
  // Validated here too, so a bad envelope is refused without waking the session's object.
  const envelope = parseEnvelope(parseJson(decoder.decode(body), "the envelope"), config);
  return forward(request, { ...context, affinity: envelope.affinity, route: "envelope", body });
}

async function routeSocket(request: Request, url: URL, context: RouteContext): Promise<Response> {
  if (request.method !== "GET") throw new RelayError(405, "/ws takes GET with Upgrade: websocket");
  if ((request.headers.get("upgrade") ?? "").toLowerCase() !== "websocket") {
    throw invalidRequest("/ws needs Upgrade: websocket");
  }
  await authenticateClient(request, context.env, { allowQueryToken: true });
  const affinity = parseAffinity(url.searchParams.get("affinity"), "the affinity query parameter");
  if (affinity === null) throw invalidRequest("/ws needs an affinity query parameter");
  return forward(request, { ...context, affinity, route: "websocket" });
}

async function forward(
  request: Request,
  options: RouteContext & { affinity: string | null; route: SessionRoute; body?: Uint8Array },
): Promise<Response> {
  const { env, ctx, affinity, requestId } = options;
  const id = affinity === null ? env.SESSIONS.newUniqueId() : env.SESSIONS.idFromName(affinity);
  const stub = env.SESSIONS.get(id);
  const makeRequest = () => toSessionRequest(request, { route: options.route, requestId, body: options.body });
  const replayable = options.body !== undefined || request.body === null;
  const response = await callSession(stub, makeRequest, { replayable });
  let cancelled = false;
  const onCancel = () => {
    if (cancelled) return;
    cancelled = true;
    ctx.waitUntil(stub.cancelRequest(requestId).catch(() => {}));
  };
  // workerd notices a vanished client when it next writes to it (restream's cancel); request.signal
  // (enable_request_signal) may tell sooner where the runtime supports it, which wrangler dev did not here.
  request.signal.addEventListener("abort", onCancel, { once: true });
  return restream(response, { onCancel });
}
