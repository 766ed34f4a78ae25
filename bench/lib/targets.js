// @ts-check
/**
 * What the benchmarks talk to, all on 127.0.0.1: the stand-in upstream ("direct"), the relay under wrangler dev,
 * a second relay with JOURNAL_DISABLED=1, the baseline Worker and (full runs) the baseline with one Durable
 * Object hop, each wrangler dev with a fresh state dir.
 * Every child runs in its own process group (tools/local-relay.js) and is stopped by group: at the end, on an
 * error, and on Ctrl-C.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStandInProcess, startWranglerDev } from "../../tools/local-relay.js";
import { keepAliveAgent, timedRequest } from "./http.js";
import { sleep } from "./interleave.js";
import { findWorkerd, listeningPorts, openFds } from "./workerd.js";

export const RELAY_TOKEN = "bench-relay-token-4f1c";
export const ADMIN_TOKEN = "bench-admin-token-8a2d";
export const OUT_DIR = new URL("../out/", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * A copy of the relay's sources as they are when the run starts (outside the repository, node_modules linked).
 * wrangler dev rebuilds and restarts a Worker whenever one of its sources changes; run against the live tree,
 * an edit made meanwhile restarts the relay mid-measurement (and a half-made edit stops it).
 * @returns {{ config: string, remove: () => void }}
 */
function snapshotRelay() {
  const dir = mkdtempSync(join(tmpdir(), "affinity-relay-bench-"));
  for (const entry of ["src", "durable", "wrangler.toml"]) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return { config: join(dir, "wrangler.toml"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * @typedef {{ name: string, url: string, port: number, pid: number | null, agent: import("node:http").Agent,
 *   headers: (affinity?: string) => Record<string, string> }} Target
 * `headers(affinity)`: what a client of this target adds to every request (the relay's token and session key).
 * `pid`: the wrangler dev process group, null for the stand-in.
 */

/**
 * @typedef {{ direct: Target, relay: Target, relayNoJournal: Target, baseline: Target, doHop: Target | null,
 *   upstreamUrl: string }} Targets
 * `doHop`: bench/baseline/do-hop.toml, context for metrics 1, 2 and 7; null when not started.
 */

/** @type {Array<{ name: string, stop: () => Promise<void>, output: () => string }>} */
const running = [];

/**
 * @param {string} name @param {{ url: string, port: number }} server @param {number | null} pid
 * @param {"relay" | "plain" | "affinity"} kind what the target's clients send: the relay's token and session
 *   key, nothing, or only the session key (the DO-hop baseline routes by it)
 * @returns {Target}
 */
function target(name, server, pid, kind) {
  /** @type {(affinity?: string) => Record<string, string>} */
  const session = (affinity) => (affinity ? { "x-session-affinity": affinity } : {});
  return {
    name, url: server.url, port: server.port, pid, agent: keepAliveAgent(128),
    headers: kind === "relay" ? (affinity) => ({ "x-relay-token": RELAY_TOKEN, ...session(affinity) }) : kind === "affinity" ? session : () => ({}),
  };
}

/**
 * Starts everything (the three wrangler devs in parallel). Whatever started is registered at once, so `stopAll`
 * reaches it even when a later start fails.
 * @param {{ lifetimeS: number, doHop: boolean }} options @returns {Promise<Targets>}
 */
export async function startTargets({ lifetimeS, doHop }) {
  const snapshot = snapshotRelay();
  running.push({ name: "relay-sources", stop: async () => snapshot.remove(), output: () => snapshot.config });
  const standIn = await startStandInProcess({ lifetimeS });
  running.push({ name: "stand-in", stop: standIn.stop, output: standIn.output });
  const relayVars = {
    UPSTREAM_URL: standIn.url, UPSTREAM_ALLOWLIST: standIn.url, RELAY_TOKEN, ADMIN_TOKEN,
  };
  /** @param {string} name @param {Parameters<typeof startWranglerDev>[0]} options */
  const start = async (name, options) => {
    const child = await startWranglerDev({ ...options, lifetimeS });
    running.push({ name, stop: child.stop, output: child.output });
    return child;
  };
  const settled = await Promise.allSettled([
    start("relay", { config: snapshot.config, vars: relayVars }),
    start("relay-no-journal", { config: snapshot.config, vars: { ...relayVars, JOURNAL_DISABLED: "1" } }),
    start("baseline", { config: "bench/baseline/wrangler.toml", vars: { UPSTREAM_URL: standIn.url } }),
    ...(doHop ? [start("baseline-do-hop", { config: "bench/baseline/do-hop.toml", vars: { UPSTREAM_URL: standIn.url } })] : []),
  ]);
  const failed = settled.find((result) => result.status === "rejected");
  if (failed && failed.status === "rejected") throw failed.reason;
  const [relay, relayNoJournal, baseline, hop] = settled.map((result) => (result.status === "fulfilled" ? result.value : null));
  if (!relay || !relayNoJournal || !baseline) throw new Error("a wrangler dev did not start");
  return {
    direct: target("direct", standIn, null, "plain"),
    relay: target("relay", relay, relay.pid, "relay"),
    relayNoJournal: target("relay (JOURNAL_DISABLED=1)", relayNoJournal, relayNoJournal.pid, "relay"),
    baseline: target("baseline", baseline, baseline.pid, "plain"),
    doHop: hop ? target("baseline with a DO hop", hop, hop.pid, "affinity") : null,
    upstreamUrl: standIn.url,
  };
}

/** Stops every started child by process group (newest first) and keeps their logs in bench/out/ for a look. */
export async function stopAll() {
  mkdirSync(OUT_DIR, { recursive: true });
  for (const child of running.splice(0).reverse()) {
    try {
      writeFileSync(join(OUT_DIR, `${child.name}.log`), child.output());
    } catch {
      // Logs are a convenience.
    }
    await child.stop().catch(() => {});
  }
}

/**
 * Warms a target up: connections open, the Worker's isolate compiled, the session objects created.
 * @param {Target} t @param {string} path @param {Record<string, string>} headers @param {string} body @param {number} count
 */
export async function warmUp(t, path, headers, body, count) {
  for (let index = 0; index < count; index += 1) {
    const timed = await timedRequest(`${t.url}${path}`, { headers, body, agent: t.agent, keepBody: true });
    if (timed.status >= 500 && headers["x-stand-in-scenario"] !== "status") {
      throw new Error(`warm-up of ${t.name} answered ${timed.status}: ${timed.body?.toString("utf8").slice(0, 300)}`);
    }
  }
}

/**
 * The same Worker reached on its workerd runtime's own socket, past wrangler dev's proxy (the port clients are
 * given). Why: wrangler 4.86 always enables the inspector's Network domain on the runtime, and its inspector
 * proxy (in the proxy's workerd) POSTs every inspector message to wrangler over a new loopback connection, kept
 * for seconds: one per body chunk of every fetch. A large stream through the proxy port runs that workerd out of
 * file descriptors (limit 20000: about 30 MB of one relay response) and it stalls. On the runtime socket the
 * same messages still flow, at about a fifth of the rate. Production has neither. Found by asking every port
 * the runtime listens on for `GET /` and keeping the one that answers as the proxy port does.
 * @param {Target} t @returns {Promise<Target>}
 */
export async function runtimeDirect(t) {
  if (t.pid === null) return t;
  const runtime = findWorkerd(t.pid, t.port).find((p) => p.role === "runtime");
  if (!runtime) throw new Error(`no workerd runtime in the process group of ${t.name}`);
  const expected = await timedRequest(`${t.url}/`, { method: "GET", agent: t.agent, keepBody: true });
  for (const port of listeningPorts(runtime.pid)) {
    const url = `http://127.0.0.1:${port}`;
    const agent = keepAliveAgent(128);
    const answer = await timedRequest(`${url}/`, { method: "GET", agent, keepBody: true, timeoutMs: 1500 }).catch(() => null);
    if (answer && answer.status === expected.status && answer.body?.equals(expected.body ?? Buffer.alloc(0))) {
      // `port` stays wrangler's: it is how the process roles are told apart.
      return { ...t, name: `${t.name} (runtime socket)`, url, agent };
    }
    agent.destroy();
  }
  throw new Error(`no port of ${t.name}'s workerd runtime answers like the Worker`);
}

/**
 * Waits (outside any timing) until wrangler dev's proxy holds fewer than `below` file descriptors, its loopback
 * connections from earlier streams closed (they go about 10 s after they came), so that the next stream does
 * not run it out of them (see runtimeDirect). At most `maxMs`.
 * @param {Target} t @param {number} [below] @param {number} [maxMs]
 */
export async function waitForProxyDrain(t, below = 1500, maxMs = 60_000) {
  if (t.pid === null) return;
  const proxy = findWorkerd(t.pid, t.port).find((p) => p.role === "proxy");
  if (!proxy) return;
  const deadline = Date.now() + maxMs;
  while (openFds(proxy.pid) > below && Date.now() < deadline) await sleep(250);
}
