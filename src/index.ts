/**
 * affinity-relay's entry Worker. Stateless: it authenticates the client, routes each session-affinity key to
 * its Durable Object, and maps every error to the contract's JSON shape in one place.
 */
import { errorResponse, RelayError } from "./errors";
import { newRequestId, routeRequest } from "./router";
import { REQUEST_ID_HEADER } from "./session-request";

export { SessionRelay } from "../durable/session-relay";

export default {
  async fetch(request, env, ctx): Promise<Response> {
    const requestId = newRequestId();
    try {
      const response = await routeRequest(request, { env, ctx, requestId });
      return response ?? errorResponse(new RelayError(404, "not found"), { [REQUEST_ID_HEADER]: requestId });
    } catch (error) {
      return errorResponse(error, { [REQUEST_ID_HEADER]: requestId });
    }
  },
} satisfies ExportedHandler<Env>;
