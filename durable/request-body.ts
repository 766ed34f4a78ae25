/**
 * The body of an upstream request, bounded by MAX_REQUEST_BYTES. A declared length over the limit is refused
 * before anything is sent; a body of undeclared length is counted as it streams and cut off past the limit.
 */
import { RelayError } from "../src/errors";

export interface RequestBody {
  readonly stream: ReadableStream<Uint8Array> | Uint8Array | null;
  /** Bytes handed to the upstream so far (the declared length when the runtime streams it natively). */
  bytesSent(): number;
  /** Whether a streamed body outgrew the limit (the upstream fetch then fails, and that failure is a 413). */
  exceeded(): boolean;
}

export function tooLarge(maxBytes: number): RelayError {
  return new RelayError(413, `request body exceeds MAX_REQUEST_BYTES (${maxBytes})`);
}

export function bufferedBody(bytes: Uint8Array): RequestBody {
  return { stream: bytes, bytesSent: () => bytes.byteLength, exceeded: () => false };
}

/** The client's own request body, passed through without buffering. */
export function streamedBody(request: Request, maxBytes: number): RequestBody {
  const declared = request.headers.get("content-length");
  if (request.body === null) return { stream: null, bytesSent: () => 0, exceeded: () => false };
  if (declared !== null && /^\d+$/.test(declared)) {
    const length = Number(declared);
    if (length > maxBytes) throw tooLarge(maxBytes);
    // A declared length keeps the runtime's native stream (and the length) intact: it cannot deliver more.
    return { stream: request.body, bytesSent: () => length, exceeded: () => false };
  }
  let counted = 0;
  let over = false;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      counted += chunk.byteLength;
      if (counted > maxBytes) {
        over = true;
        controller.error(tooLarge(maxBytes));
        return;
      }
      controller.enqueue(chunk);
    },
  });
  return { stream: request.body.pipeThrough(counter), bytesSent: () => counted, exceeded: () => over };
}
