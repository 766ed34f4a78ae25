/**
 * One object per session-affinity key. It owns the session's upstream streams, its stored base body, its
 * WebSocket (hibernation API) and its error journal. Entry points: `fetch` (HTTP transports and the WebSocket
 * upgrade, from the entry Worker) and the `webSocket*` handlers; each passes the one init gate first.
 */
import { DurableObject } from "cloudflare:workers";
import { ulid } from "ulid";
import { readConfig } from "../src/config";
import { errorResponse, invalidRequest } from "../src/errors";
import { type Envelope, parseEnvelope, parseJson } from "../src/protocol";
import { readSessionRequest, REQUEST_ID_HEADER } from "../src/session-request";
import type { ErrorRecord, SessionInfo } from "../src/records";
import { SessionBases } from "./bases";
import { ErrorJournal } from "./error-journal";
import { type ExchangeMeta, type ExchangeReport, type UpstreamRequest, UpstreamExchange } from "./exchange";
import { upstreamRequestHeaders } from "./headers";
import { toHttpResponse } from "./http-response";
import { rebuildBody } from "./rebuild";
import { bufferedBody, streamedBody } from "./request-body";
import { migrateSchema } from "./schema";
import { encodeFrame, SocketRunner, type SocketSession } from "./socket";
import { transparentUpstreamUrl } from "./upstream-url";

/** What a socket keeps across hibernation (the runtime stores it with the socket). */
interface SocketAttachment {
  connectedAt: string;
}

/** Codes a close frame must not carry back (RFC 6455 7.4.1: reserved for "no code", abnormal, TLS failure). */
const UNECHOABLE_CLOSE_CODES = new Set([1005, 1006, 1015]);

export class SessionRelay extends DurableObject<Env> {
  #initialized = false;
  readonly #bases: SessionBases;
  /** Per-socket queues, rebuilt lazily after hibernation: they only hold work while a request is in flight. */
  readonly #sockets = new Map<WebSocket, SocketRunner>();
  #inbox: Promise<void> = Promise.resolve();
  readonly #errors: ErrorJournal;
  /** HTTP exchanges still streaming, by request id: the entry Worker cancels them when its client leaves. */
  readonly #streaming = new Map<string, UpstreamExchange>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#bases = new SessionBases(ctx.storage);
    this.#errors = new ErrorJournal(ctx, () => this.env);
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
    const requestId = request.headers.get(REQUEST_ID_HEADER) ?? ulid();
    try {
      await this.#ensureInitialized();
      const { route } = readSessionRequest(request);
      const meta: ExchangeMeta = { requestId, affinity: this.#affinity, transport: "http", protocol: "transparent" };
      if (route === "transparent") return await this.#relayTransparent(request, meta);
      if (route === "envelope") return await this.#relayEnvelope(request, { ...meta, protocol: 1 });
      return this.#acceptSocket(request);
    } catch (error) {
      return errorResponse(error, { [REQUEST_ID_HEADER]: requestId });
    }
  }

  /**
   * Frames are handed on strictly in arrival order: each is chained when it arrives, so a frame whose handler
   * waited on the init gate cannot be overtaken by the next one, whose handler did not.
   */
  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const handled = this.#inbox.then(async () => {
      await this.#ensureInitialized();
      this.#runnerFor(ws)?.receive(message);
    });
    this.#inbox = handled.catch(() => {});
    return handled;
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.#forgetSocket(ws);
    if (UNECHOABLE_CLOSE_CODES.has(code)) return;
    try {
      ws.close(code, reason);
    } catch {
      // Already closed by the runtime's own reply.
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.#forgetSocket(ws);
  }

  async #relayTransparent(request: Request, meta: ExchangeMeta): Promise<Response> {
    const config = readConfig(this.env);
    const upstream: UpstreamRequest = {
      url: transparentUpstreamUrl(new URL(request.url), config),
      method: request.method,
      headers: upstreamRequestHeaders(request.headers),
      body: streamedBody(request, config.maxRequestBytes),
    };
    return this.#respond(await this.#execute(upstream, meta));
  }

  async #relayEnvelope(request: Request, meta: ExchangeMeta): Promise<Response> {
    const envelope = parseEnvelope(parseJson(await request.text(), "the envelope"), readConfig(this.env));
    if (envelope.affinity !== this.#affinity) throw invalidRequest("affinity does not match this session");
    const { upstream } = await this.#prepareEnvelope(envelope);
    return this.#respond(await this.#execute(upstream, meta));
  }

  #respond(exchange: UpstreamExchange): Response {
    if (exchange.hasBody) this.#streaming.set(exchange.requestId, exchange);
    return toHttpResponse(exchange);
  }

  /**
   * RPC from the entry Worker: its client went away. The entry's cancelled read reaches this object only when
   * this object next writes a chunk, which a quiet upstream may not send for a long time; this ends the upstream
   * request as soon as the entry knows.
   */
  async cancelRequest(requestId: string): Promise<void> {
    this.#streaming.get(requestId)?.cancel(new Error("the client went away"));
  }

  /** Protocols 1 and 2 alike: rebuild the body, store it as the session's new base, and aim it upstream. */
  async #prepareEnvelope(envelope: Envelope): Promise<{ upstream: UpstreamRequest; hash: string; revision: number }> {
    const rebuilt = await rebuildBody(envelope, this.#bases, readConfig(this.env).maxRequestBytes);
    this.#bases.write(rebuilt.bytes, { hash: rebuilt.hash, revision: rebuilt.revision });
    const upstream: UpstreamRequest = {
      url: envelope.upstream.url,
      method: envelope.upstream.method,
      headers: upstreamRequestHeaders(envelope.upstream.headers),
      body: bufferedBody(rebuilt.bytes),
    };
    return { upstream, hash: rebuilt.hash, revision: rebuilt.revision };
  }

  /** Every transport's way into the execution core. */
  #execute(upstream: UpstreamRequest, meta: ExchangeMeta, signal?: AbortSignal): Promise<UpstreamExchange> {
    return UpstreamExchange.open(upstream, {
      config: readConfig(this.env),
      meta,
      signal,
      onSettled: (report) => this.#settled(report),
    });
  }

  #acceptSocket(request: Request): Response {
    const affinity = this.#affinity;
    if (affinity === null) throw invalidRequest("a WebSocket needs a session: pass ?affinity=<key>");
    if ((request.headers.get("upgrade") ?? "").toLowerCase() !== "websocket") {
      throw invalidRequest("expected Upgrade: websocket");
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    const attachment: SocketAttachment = { connectedAt: new Date().toISOString() };
    server.serializeAttachment(attachment);
    server.send(encodeFrame({ type: "ready", state: this.#baseSummary() }));
    return new Response(null, { status: 101, webSocket: client });
  }

  #baseSummary(): { hash: string; revision: number } | null {
    const state = this.#bases.state();
    return state === null ? null : { hash: state.hash, revision: state.revision };
  }

  #runnerFor(ws: WebSocket): SocketRunner | null {
    const existing = this.#sockets.get(ws);
    if (existing) return existing;
    const affinity = this.#affinity;
    if (affinity === null) return null;
    const session: SocketSession = {
      config: readConfig(this.env),
      affinity,
      prepare: async (envelope) => {
        const prepared = await this.#prepareEnvelope(envelope);
        const meta: ExchangeMeta = { requestId: ulid(), affinity, transport: "websocket", protocol: 2 };
        return {
          hash: prepared.hash,
          revision: prepared.revision,
          requestId: meta.requestId,
          open: (signal) => this.#execute(prepared.upstream, meta, signal),
        };
      },
    };
    const runner = new SocketRunner(ws, session);
    this.#sockets.set(ws, runner);
    return runner;
  }

  #forgetSocket(ws: WebSocket): void {
    this.#sockets.get(ws)?.close();
    this.#sockets.delete(ws);
  }

  #settled(report: ExchangeReport): void {
    this.#streaming.delete(report.meta.requestId);
    this.#errors.observe(report);
  }

  override async alarm(): Promise<void> {
    await this.#ensureInitialized();
    await this.#errors.onAlarm();
  }

  /** RPC for the forensics API: the session's own journal, newest first. */
  async errorRecords(limit: number): Promise<ErrorRecord[]> {
    await this.#ensureInitialized();
    return this.#errors.records(limit);
  }

  /** RPC for the forensics API: what the session holds. */
  async sessionInfo(): Promise<SessionInfo> {
    await this.#ensureInitialized();
    const state = this.#bases.state();
    const { errors, ignored, undelivered } = this.#errors.counts();
    return { affinity: this.#affinity, state, errors, ignored, undelivered };
  }
}
