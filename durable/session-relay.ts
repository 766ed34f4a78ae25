/**
 * One object per session-affinity key. It owns the session's upstream streams, its stored base body and (later)
 * its WebSocket and error journal. Entry points: `fetch` (from the entry Worker), and nothing else yet.
 */
import { DurableObject } from "cloudflare:workers";
import { readConfig } from "../src/config";
import { errorResponse, invalidRequest } from "../src/errors";
import { parseEnvelope, parseJson } from "../src/protocol";
import { readSessionRequest, REQUEST_ID_HEADER } from "../src/session-request";
import { SessionBases } from "./bases";
import { type ExchangeMeta, type ExchangeReport, type UpstreamRequest, UpstreamExchange } from "./exchange";
import { upstreamRequestHeaders } from "./headers";
import { toHttpResponse } from "./http-response";
import { rebuildBody } from "./rebuild";
import { bufferedBody, streamedBody } from "./request-body";
import { migrateSchema } from "./schema";
import { transparentUpstreamUrl } from "./upstream-url";

export class SessionRelay extends DurableObject<Env> {
  #initialized = false;
  readonly #bases: SessionBases;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#bases = new SessionBases(ctx.storage);
  }

  /** The session's affinity key; `null` for the one-off object of a request that named no session. */
  get #affinity(): string | null {
    return this.ctx.id.name ?? null;
  }

  /** The one init gate, awaited by every entry point before it touches storage. */
  async #ensureInitialized(): Promise<void> {
    if (this.#initialized) return;
    let failure: unknown = null;
    await this.ctx.blockConcurrencyWhile(async () => {
      if (this.#initialized) return;
      try {
        migrateSchema(this.ctx.storage.sql);
        this.#initialized = true;
      } catch (error) {
        failure = error;
      }
    });
    // Re-thrown outside blockConcurrencyWhile, which would otherwise reset the object.
    if (failure !== null) throw failure;
  }

  override async fetch(request: Request): Promise<Response> {
    const requestId = request.headers.get(REQUEST_ID_HEADER) ?? "";
    try {
      await this.#ensureInitialized();
      const { route } = readSessionRequest(request);
      const meta: ExchangeMeta = { requestId, affinity: this.#affinity, transport: "http", protocol: "transparent" };
      if (route === "transparent") return await this.#relayTransparent(request, meta);
      if (route === "envelope") return await this.#relayEnvelope(request, { ...meta, protocol: 1 });
      throw invalidRequest("WebSocket is not available yet");
    } catch (error) {
      return errorResponse(error, { [REQUEST_ID_HEADER]: requestId });
    }
  }

  async #relayTransparent(request: Request, meta: ExchangeMeta): Promise<Response> {
    const config = readConfig(this.env);
    const upstream: UpstreamRequest = {
      url: transparentUpstreamUrl(new URL(request.url), config),
      method: request.method,
      headers: upstreamRequestHeaders(request.headers),
      body: streamedBody(request, config.maxRequestBytes),
    };
    return toHttpResponse(await this.#execute(upstream, meta));
  }

  async #relayEnvelope(request: Request, meta: ExchangeMeta): Promise<Response> {
    const config = readConfig(this.env);
    const envelope = parseEnvelope(parseJson(await request.text(), "the envelope"), config);
    if (envelope.affinity !== this.#affinity) throw invalidRequest("affinity does not match this session");
    const rebuilt = await rebuildBody(envelope, this.#bases, config.maxRequestBytes);
    this.#bases.write(rebuilt.bytes, { hash: rebuilt.hash, revision: rebuilt.revision });
    const upstream: UpstreamRequest = {
      url: envelope.upstream.url,
      method: envelope.upstream.method,
      headers: upstreamRequestHeaders(envelope.upstream.headers),
      body: bufferedBody(rebuilt.bytes),
    };
    return toHttpResponse(await this.#execute(upstream, meta));
  }

  /** Every transport's way into the execution core. */
  #execute(upstream: UpstreamRequest, meta: ExchangeMeta): Promise<UpstreamExchange> {
    return UpstreamExchange.open(upstream, {
      config: readConfig(this.env),
      meta,
      onSettled: (report) => this.#settled(report),
    });
  }

  #settled(_report: ExchangeReport): void {
    // The error journal plugs in here.
  }
}
