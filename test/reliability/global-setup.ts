import { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { freePort, startStandInProcess, startWranglerDev } from "../../tools/local-relay.js";

/** Every child is killed by its own `timeout` after this long, even if this process dies without teardown. */
const LIFETIME_S = 1200;
const UPSTREAM_TIMEOUT_MS = 2000;
/** Small, so that frames and envelopes near and over the limit are cheap to build. */
const MAX_REQUEST_BYTES = 1024 * 1024;
/** UPSTREAM_URL's path: transparent-mode paths must never climb out of it. */
const UPSTREAM_PATH = "/api";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Where the Worker's sources are taken from: the repository, or (RELIABILITY_SOURCE) a scratch copy to mutate. */
const SOURCE = process.env.RELIABILITY_SOURCE ?? ROOT;

/**
 * A copy of the Worker's sources and config taken when the suite starts, for `wrangler dev` to serve: the whole
 * run then tests one version of the code, and neither an edit in the working tree (wrangler dev rebuilds and
 * restarts workerd, dropping every socket) nor another wrangler dev sharing `.wrangler/tmp` can disturb it.
 */
function snapshotWorker(runDir: string): string {
  const dir = join(runDir, "worker");
  for (const name of ["src", "durable"]) cpSync(join(SOURCE, name), join(dir, name), { recursive: true });
  for (const name of ["wrangler.toml", "package.json"]) copyFileSync(join(SOURCE, name), join(dir, name));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  return join(dir, "wrangler.toml");
}

function canary(name: string): string {
  return `canary-${name}-${randomBytes(8).toString("hex")}`;
}

/** Appends everything the relay prints to `logFile` as it arrives (the group's own `output()` keeps only a tail). */
function tapLogs(relay: { output: () => string }, logFile: string): () => void {
  const child: unknown = Reflect.get(relay, "child");
  if (child instanceof ChildProcess && child.stdout && child.stderr) {
    const append = (data: Buffer): void => appendFileSync(logFile, data);
    child.stdout.on("data", append);
    child.stderr.on("data", append);
    return () => {};
  }
  // Fallback: the captured tail, rewritten while the relay runs.
  const timer = setInterval(() => writeFileSync(logFile, relay.output()), 100);
  return () => clearInterval(timer);
}

/**
 * The stand-in upstream and the relay under `wrangler dev` on 127.0.0.1, with a fresh state directory, canary
 * secrets and an allowlisted origin where nothing listens. Each runs in its own process group with a lifetime
 * cap; teardown stops both groups and removes the run's directory (kept when RELIABILITY_KEEP=1).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runDir = mkdtempSync(join(tmpdir(), "affinity-relay-reliability-"));
  const persistDir = join(runDir, "state");
  const logFile = join(runDir, "relay.log");
  const answersFile = join(runDir, "forensics-answers.log");
  mkdirSync(persistDir);
  writeFileSync(logFile, "");
  writeFileSync(answersFile, "");
  const relayToken = canary("relay-token");
  const adminToken = canary("admin-token");
  const credentials = { bearer: canary("bearer"), apiKey: canary("api-key"), cookie: canary("cookie"), proxy: canary("proxy") };

  // Worker console.log lines too, where tools/local-relay.js honours it (its default level is warn).
  process.env.RELAY_LOG_LEVEL = "log";
  // wrangler's own debug log (request URLs included) goes to the run's directory, not ~/.config/.wrangler/logs.
  const wranglerLogFile = join(runDir, "wrangler-debug.log");
  process.env.WRANGLER_LOG_PATH = wranglerLogFile;
  const standIn = await startStandInProcess({ lifetimeS: LIFETIME_S });
  const unreachableOrigin = `http://127.0.0.1:${await freePort()}`;
  const upstreamUrl = `${standIn.url}${UPSTREAM_PATH}`;
  let relay: Awaited<ReturnType<typeof startWranglerDev>>;
  try {
    relay = await startWranglerDev({
      config: snapshotWorker(runDir),
      persistTo: persistDir,
      lifetimeS: LIFETIME_S,
      vars: {
        UPSTREAM_URL: upstreamUrl,
        UPSTREAM_ALLOWLIST: `${standIn.url},${unreachableOrigin}`,
        UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS),
        MAX_REQUEST_BYTES: String(MAX_REQUEST_BYTES),
        RELAY_TOKEN: relayToken,
        ADMIN_TOKEN: adminToken,
      },
    });
  } catch (error) {
    await standIn.stop();
    rmSync(runDir, { recursive: true, force: true });
    throw error;
  }
  const untap = tapLogs(relay, logFile);
  project.provide("reliability", {
    relayUrl: relay.url,
    upstreamOrigin: standIn.url,
    upstreamUrl,
    unreachableOrigin,
    relayToken,
    adminToken,
    credentials,
    maxRequestBytes: MAX_REQUEST_BYTES,
    upstreamTimeoutMs: UPSTREAM_TIMEOUT_MS,
    runId: `rel-${Date.now().toString(36)}`,
    persistDir,
    logFile,
    wranglerLogFile,
    answersFile,
  });
  return async () => {
    await relay.stop();
    await standIn.stop();
    untap();
    if (process.env.RELIABILITY_KEEP === "1") console.log(`reliability run kept in ${runDir}`);
    else rmSync(runDir, { recursive: true, force: true });
  };
}
