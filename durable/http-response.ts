/**
 * The HTTP sink of the execution core: the upstream response as the client's response, streamed as the client
 * reads it. It is a pull stream, so nothing is read from the upstream ahead of the client, and a client that
 * leaves cancels the upstream. A body that breaks upstream errors this stream: the entry Worker, the hop that
 * talks to the client, turns that into the contract's closing event (see src/restream.ts).
 */
import type { UpstreamExchange } from "./exchange";

export function toHttpResponse(exchange: UpstreamExchange): Response {
  const body = exchange.hasBody
    ? new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            try {
              const chunk = await exchange.read();
              if (chunk === null) controller.close();
              else controller.enqueue(chunk);
            } catch (error) {
              // The error crosses to the entry Worker as a failed read (workerd also logs it; its message is ours).
              controller.error(error);
            }
          },
          cancel(reason) {
            exchange.cancel(reason);
          },
        },
        { highWaterMark: 0 },
      )
    : null;
  return new Response(body, { status: exchange.status, statusText: exchange.statusText, headers: exchange.clientHeaders });
}
