/**
 * How the entry Worker hands a request to a session object: the client's own request (method, URL, headers,
 * body) with two internal headers saying which transport the entry recognised and the request's id. The object
 * takes the session's identity from `ctx.id.name`, not from anything in the request.
 */
import { invalidRequest } from "./errors";

export type SessionRoute = "transparent" | "envelope" | "websocket";

const ROUTE_HEADER = "x-relay-route";
export const REQUEST_ID_HEADER = "x-relay-request-id";
const ROUTES: ReadonlySet<string> = new Set<SessionRoute>(["transparent", "envelope", "websocket"]);

export function toSessionRequest(
  request: Request,
  options: { route: SessionRoute; requestId: string; body?: Uint8Array },
): Request {
  const headers = new Headers(request.headers);
  headers.set(ROUTE_HEADER, options.route);
  headers.set(REQUEST_ID_HEADER, options.requestId);
  return new Request(request.url, {
    method: request.method,
    headers,
    body: options.body ?? request.body,
    redirect: "manual",
  });
}

export function readSessionRequest(request: Request): { route: SessionRoute; requestId: string } {
  const route = request.headers.get(ROUTE_HEADER);
  const requestId = request.headers.get(REQUEST_ID_HEADER);
  if (route === null || !ROUTES.has(route) || requestId === null) throw invalidRequest("not a session request");
  // SAFETY: membership in ROUTES was checked just above.
  return { route: route as SessionRoute, requestId };
}
