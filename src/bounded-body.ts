import { concatBytes } from "./bytes";
import { requestTooLarge } from "./errors";

/** Reads a request body into memory, refusing (413) anything over `maxBytes`, declared or actually sent. */
export async function readBoundedBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) throw requestTooLarge(maxBytes);
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw requestTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return concatBytes(chunks);
}
