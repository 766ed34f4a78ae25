/**
 * The body of an upstream request, bounded by MAX_REQUEST_BYTES. A declared length over the limit is refused
 * before anything is sent. A body of undeclared length is read through our own pull loop, counted, and, if it
 * outgrows the limit or the client's upload breaks, the upstream fetch is aborted: workerd ends a chunked upload
 * whose source stream errors as if it were complete, so erroring the stream alone would send a cut-off body that
 * looks whole.
 */
import { invalidRequest, type RelayError, requestTooLarge } from "../src/errors";

export interface RequestBody {
  readonly stream: ReadableStream<Uint8Array> | Uint8Array | null;
  /** Gives the body the fetch's controller, to abort the upload when the body must not arrive. */
  bind(abort: AbortController): void;
  /** Bytes handed to the upstream so far (the declared length when the runtime streams it natively). */
  bytesSent(): number;
  /** Why the upload was stopped (413, or the client's own upload breaking), or null. */
  failure(): RelayError | null;
}

const noFailure = (): null => null;

export function bufferedBody(bytes: Uint8Array): RequestBody {
  return { stream: bytes, bind: () => {}, bytesSent: () => bytes.byteLength, failure: noFailure };
}

/** The client's own request body, passed through without buffering. */
export function streamedBody(request: Request, maxBytes: number): RequestBody {
  const declared = request.headers.get("content-length");
  const source = request.body;
  if (source === null) return { stream: null, bind: () => {}, bytesSent: () => 0, failure: noFailure };
  if (declared !== null && /^\d+$/.test(declared)) {
    const length = Number(declared);
    if (length > maxBytes) throw requestTooLarge(maxBytes);
    // A declared length keeps the runtime's native stream (and the length) intact: it cannot deliver more, and
    // the runtime fails a body that delivers less.
    return { stream: source, bind: () => {}, bytesSent: () => length, failure: noFailure };
  }
  let counted = 0;
  let stopped: RelayError | null = null;
  let abort: AbortController | null = null;
  const reader = source.getReader();
  const stop = (reason: RelayError, controller: ReadableStreamDefaultController<Uint8Array>): void => {
    stopped = reason;
    abort?.abort(reason);
    controller.error(reason);
    reader.cancel(reason).catch(() => {});
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await reader.read();
        } catch {
          stop(invalidRequest("the request body broke off before it was complete"), controller);
          return;
        }
        if (result.done) {
          controller.close();
          return;
        }
        counted += result.value.byteLength;
        if (counted > maxBytes) stop(requestTooLarge(maxBytes), controller);
        else controller.enqueue(result.value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return {
    stream,
    bind: (controller) => {
      abort = controller;
    },
    bytesSent: () => counted,
    failure: () => stopped,
  };
}
