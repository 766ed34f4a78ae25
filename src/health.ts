/** `GET /`: liveness and what this relay speaks. Unauthenticated, so it says nothing about configuration. */
export function healthResponse(): Response {
  return Response.json({
    status: "ok",
    service: "affinity-relay",
    transports: ["http", "websocket"],
    protocols: ["transparent", 1, 2],
  });
}
