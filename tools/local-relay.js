// @ts-check
/**
 * Starts things on 127.0.0.1 for node-side tests, the demo and the benchmarks: the stand-in upstream and the
 * relay (or any Worker config) under `wrangler dev`, offline, with a fresh state directory. Each child runs in
 * its own process group (`detached`, like setsid) and is stopped by signalling the whole group, so workerd never
 * outlives wrangler holding the port. Every child also has a lifetime cap: nothing outlives a crashed parent long.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const STAND_IN = join(ROOT, "tools", "stand-in", "server.js");

/** @typedef {{ pid: number, stop: () => Promise<void>, output: () => string }} Child */

/** Process groups still running: killed when this process exits, however it exits. */
const liveGroups = new Set();
process.once("exit", () => {
  for (const pid of liveGroups) signalGroup(pid, "SIGKILL");
});

/** A free loopback port (the OS picks one; it stays free in practice for the moment we need it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * @param {string} command @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv, cwd?: string, lifetimeS: number }} options
 * @returns {Child & { child: import("node:child_process").ChildProcess }}
 */
function startGroup(command, args, { env, cwd = ROOT, lifetimeS }) {
  // `timeout` (coreutils) caps the lifetime even if this process dies without cleaning up.
  const child = spawn("timeout", ["--signal=TERM", "--kill-after=5", String(lifetimeS), command, ...args], {
    cwd,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (/** @type {Buffer} */ data) => {
    output = (output + data.toString("utf8")).slice(-200_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const pid = child.pid ?? -1;
  liveGroups.add(pid);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    child,
    pid,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(pid, "SIGTERM");
      const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
      signalGroup(pid, "SIGKILL"); // anything of the group that ignored TERM
      liveGroups.delete(pid);
    },
  };
}

/** @param {number} pid @param {NodeJS.Signals} signal */
function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/**
 * The stand-in upstream in a child process group.
 * @param {{ lifetimeS?: number }} [options]
 * @returns {Promise<Child & { port: number, url: string }>}
 */
export async function startStandInProcess({ lifetimeS = 900 } = {}) {
  const group = startGroup(process.execPath, [STAND_IN, "--max-lifetime-s", String(lifetimeS)], { lifetimeS: lifetimeS + 5 });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stand-in did not start: ${group.output()}`)), 10_000);
    group.child.stdout?.on("data", () => {
      const match = /\{"port":(\d+)\}/.exec(group.output());
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    group.child.once("exit", () => reject(new Error(`stand-in exited: ${group.output()}`)));
  });
  return { ...group, port, url: `http://127.0.0.1:${port}` };
}

/**
 * `wrangler dev` for a Worker config (the relay's by default), offline, fresh state, on a free port.
 * @param {{ vars?: Record<string, string>, config?: string, port?: number, lifetimeS?: number, persistTo?: string }} [options]
 * @returns {Promise<Child & { port: number, url: string }>}
 */
export async function startWranglerDev({ vars = {}, config = "wrangler.toml", port, lifetimeS = 900, persistTo } = {}) {
  const listenPort = port ?? (await freePort());
  const inspectorPort = await freePort();
  const state = persistTo ?? mkdtempSync(join(tmpdir(), "affinity-relay-state-"));
  const args = [
    WRANGLER, "dev", "--config", config, "--ip", "127.0.0.1", "--port", String(listenPort),
    "--inspector-port", String(inspectorPort), "--persist-to", state, "--show-interactive-dev-session=false",
    "--log-level", process.env.RELAY_LOG_LEVEL ?? "warn",
    ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
  ];
  const group = startGroup(process.execPath, args, {
    lifetimeS,
    env: {
      CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false",
      WRANGLER_HIDE_BANNER: "true", CI: "true",
    },
  });
  const url = `http://127.0.0.1:${listenPort}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (group.child.exitCode !== null) throw new Error(`wrangler dev exited:\n${group.output()}`);
    try {
      const response = await fetch(`${url}/`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await group.stop();
      throw new Error(`wrangler dev did not answer within 60 s:\n${group.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    ...group,
    port: listenPort,
    url,
    stop: async () => {
      await group.stop();
      if (persistTo === undefined) rmSync(state, { recursive: true, force: true });
    },
  };
}
