/**
 * Shared by the cli-*.test.ts files: runs `tools/cli/affinity-relay.js` as a child process against the shared
 * relay (`inject("e2e")`), produces real error records through the relay, and waits until the listing shows them.
 * Every run checks that no output holds an admin token.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { expect, inject } from "vitest";
import type { ErrorRecord as CliRecord, ErrorSummary as CliSummary, SessionInfo as CliSessionInfo } from "../../tools/cli/types.js";
import type { ErrorRecord, ErrorSummary, SessionInfo } from "../../src/records.js";

export const e2e = inject("e2e");
const CLI = fileURLToPath(new URL("../../tools/cli/affinity-relay.js", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

// The CLI's JSDoc copies of the API's types must stay equal to src/records.ts (a type error here otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const typesInStep: [Same<CliRecord, ErrorRecord>, Same<CliSummary, ErrorSummary>, Same<CliSessionInfo, SessionInfo>] = [true, true, true];

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Environment for the CLI on top of a clean one; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Secrets that must not appear in the output besides the e2e admin token. */
  secrets?: string[];
}

/** The environment a CLI child gets: this process's, without AFFINITY_RELAY_* and COLUMNS, plus the relay's. */
function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith("AFFINITY_RELAY_") || name === "COLUMNS") delete env[name];
  Object.assign(env, { AFFINITY_RELAY_URL: e2e.relayUrl, AFFINITY_RELAY_ADMIN_TOKEN: e2e.adminToken });
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

function expectNoSecrets(result: Pick<CliResult, "stdout" | "stderr">, secrets: string[]): void {
  for (const secret of [e2e.adminToken, ...secrets]) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
}

export interface RunningCli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once `predicate` holds for the output so far (fails after 30 s or when the CLI exits). */
  waitFor: (what: string, predicate: (stdout: string, stderr: string) => boolean) => Promise<void>;
  /** Resolves when the CLI exits. */
  exited: Promise<CliResult>;
}

/** Starts the CLI and returns while it runs. */
export function startCli(args: string[], options: RunOptions = {}): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: cliEnv(options.env), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  const changed = (): void => {
    for (const listener of listeners) listener();
  };
  child.stdout?.on("data", (data: Buffer) => {
    stdout += data.toString("utf8");
    changed();
  });
  child.stderr?.on("data", (data: Buffer) => {
    stderr += data.toString("utf8");
    changed();
  });
  // A CLI that hangs is killed, so that the test fails on its output instead of timing out silently.
  const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
  let closed = false;
  const exited = new Promise<CliResult>((resolve, reject) => {
    child.once("close", (code, signal) => {
      clearTimeout(guard);
      closed = true;
      changed();
      const result = { code, signal, stdout, stderr };
      try {
        expectNoSecrets(result, options.secrets ?? []);
        resolve(result);
      } catch (error) {
        reject(error);
      }
    });
  });
  const waitFor = (what: string, predicate: (out: string, err: string) => boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (predicate(stdout, stderr)) finish(resolve);
        else if (closed) finish(() => reject(new Error(`the CLI exited before ${what}:\n${stdout}\n${stderr}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`no ${what} within 30 s:\n${stdout}\n${stderr}`))), 30_000);
      const finish = (then: () => void): void => {
        clearTimeout(timer);
        listeners.delete(check);
        then();
      };
      listeners.add(check);
      check();
    });
  return { child, stdout: () => stdout, stderr: () => stderr, waitFor, exited };
}

/** Runs the CLI to its end. */
export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return startCli(args, options).exited;
}

/** A session key no other test uses. */
export function uniqueSession(name: string): string {
  return `cli-${name}-${randomUUID().slice(0, 8)}`;
}

/**
 * Sends one transparent-mode request whose upstream answers `status` (the stand-in's `status` scenario);
 * resolves to the relay's request id.
 */
export async function sendUpstreamError(session: string, status: number, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(`${e2e.relayUrl}/v1/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-relay-token": e2e.relayToken,
      "x-session-affinity": session,
      "x-stand-in-scenario": "status",
      "x-stand-in-status": String(status),
      ...headers,
    },
    body: JSON.stringify({ model: "stand-in-model", max_tokens: 16, messages: [{ role: "user", content: "hi" }] }),
  });
  await response.arrayBuffer();
  expect(response.status).toBe(status);
  const requestId = response.headers.get("x-relay-request-id");
  if (requestId === null) throw new Error("the relay sent no x-relay-request-id");
  return requestId;
}

/**
 * Sends a protocol-1 full_sync envelope (which stores the session's base) whose upstream answers `status`.
 * Resolves to the body's hash and size.
 */
export async function sendEnvelopeError(session: string, status: number): Promise<{ hash: string; bytes: number }> {
  const body = JSON.stringify({ model: "stand-in-model", max_tokens: 16, messages: [{ role: "user", content: "héllo" }] });
  const hash = `sha256:${createHash("sha256").update(body, "utf8").digest("hex")}`;
  const response = await fetch(`${e2e.relayUrl}/`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-relay-token": e2e.relayToken },
    body: JSON.stringify({
      protocol: 1, type: "request", affinity: session, mode: "full_sync", revision: 1, next_hash: hash, body,
      upstream: {
        url: `${e2e.upstreamUrl}/v1/messages`, method: "POST",
        headers: { "content-type": "application/json", "x-stand-in-scenario": "status", "x-stand-in-status": String(status) },
      },
    }),
  });
  await response.arrayBuffer();
  expect(response.status).toBe(status);
  return { hash, bytes: Buffer.byteLength(body, "utf8") };
}

/** GET on the forensics API with the admin token. */
export async function forensics(path: string): Promise<unknown> {
  const response = await fetch(`${e2e.relayUrl}${path}`, { headers: { "x-relay-admin-token": e2e.adminToken } });
  expect(response.status).toBe(200);
  return response.json();
}

function isSummaryList(value: unknown): value is { errors: ErrorSummary[] } {
  return typeof value === "object" && value !== null && "errors" in value && Array.isArray(value.errors);
}

/** Waits until the global listing shows `count` records of the session (records reach KV off the response path). */
export async function waitForRecords(session: string, count: number): Promise<ErrorSummary[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const page = await forensics(`/_relay/errors?limit=100&session=${encodeURIComponent(session)}`);
    if (!isSummaryList(page)) throw new Error(`unexpected listing: ${JSON.stringify(page)}`);
    if (page.errors.length >= count) return page.errors;
    if (Date.now() > deadline) throw new Error(`the listing shows ${page.errors.length} of ${count} records of ${session}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The stdout lines of a table that mention `text`. */
export function linesWith(stdout: string, text: string): string[] {
  return stdout.split("\n").filter((line) => line.includes(text));
}
