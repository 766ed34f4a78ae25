/**
 * What the CLI says when it cannot do its job: missing settings, a wrong token, an unreachable relay, a relay
 * without forensics, a URL that is not a relay, a relay that never answers, bad arguments. Plus help and version.
 * No output may ever hold an admin token (the harness checks every run).
 */
import { readFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startWranglerDev } from "../../tools/local-relay.js";
import { e2e, runCli } from "./cli-harness.js";

const WRONG_TOKEN = "cli-wrong-admin-token-canary-51f0";
let bare: Awaited<ReturnType<typeof startWranglerDev>> | undefined;

beforeAll(async () => {
  // A relay without ADMIN_TOKEN (empty counts as unset, whatever a developer's .dev.vars says).
  bare = await startWranglerDev({ vars: { UPSTREAM_URL: e2e.upstreamUrl, RELAY_TOKEN: "cli-bare-relay-token", ADMIN_TOKEN: "" } });
});

afterAll(async () => {
  await bare?.stop();
});

function oneLine(stderr: string): string {
  expect(stderr.endsWith("\n")).toBe(true);
  expect(stderr.trimEnd().split("\n")).toHaveLength(1);
  return stderr.trimEnd();
}

describe("settings", () => {
  it("says how to set a missing URL", async () => {
    const result = await runCli(["errors"], { env: { AFFINITY_RELAY_URL: undefined } });
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toBe("affinity-relay: no relay URL: pass --url https://affinity-relay.<account>.workers.dev or set AFFINITY_RELAY_URL");
    expect(result.stdout).toBe("");
  });

  it("says how to set a missing admin token", async () => {
    const result = await runCli(["session", "k"], { env: { AFFINITY_RELAY_ADMIN_TOKEN: "" } });
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toBe("affinity-relay: no admin token: set AFFINITY_RELAY_ADMIN_TOKEN to the relay's ADMIN_TOKEN secret (or pass --admin-token)");
  });

  it("lets the flags win over the environment", async () => {
    const result = await runCli(["errors", "--url", e2e.relayUrl, "--admin-token", e2e.adminToken, "--limit", "1"], {
      env: { AFFINITY_RELAY_URL: "http://127.0.0.1:9", AFFINITY_RELAY_ADMIN_TOKEN: WRONG_TOKEN },
      secrets: [WRONG_TOKEN],
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
  });

  it("refuses a URL without a scheme", async () => {
    const result = await runCli(["errors"], { env: { AFFINITY_RELAY_URL: "localhost:8787" } });
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toContain("has no scheme: use http://localhost:8787 or https://localhost:8787");
  });
});

describe("the relay's answers", () => {
  it("reports a rejected admin token without printing it, from the environment or a flag", async () => {
    const fromEnv = await runCli(["errors"], { env: { AFFINITY_RELAY_ADMIN_TOKEN: WRONG_TOKEN }, secrets: [WRONG_TOKEN] });
    expect(fromEnv.code).toBe(1);
    expect(oneLine(fromEnv.stderr)).toMatch(/^affinity-relay: the relay rejected the admin token \(401 invalid admin token\): check AFFINITY_RELAY_ADMIN_TOKEN/);
    const fromFlag = await runCli(["session", "k", "--admin-token", WRONG_TOKEN], { secrets: [WRONG_TOKEN] });
    expect(fromFlag.code).toBe(1);
    expect(fromFlag.stderr).toContain("the relay rejected the admin token");
  });

  it("names an unreachable relay", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await runCli(["errors"], { env: { AFFINITY_RELAY_URL: url } });
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toBe(`affinity-relay: cannot reach the relay at ${url}: connection refused`);
  });

  it("gives up on a relay that never answers after --timeout", async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    try {
      const result = await runCli(["errors", "--timeout", "1s"], { env: { AFFINITY_RELAY_URL: url } });
      expect(result.code).toBe(1);
      expect(oneLine(result.stderr)).toBe(`affinity-relay: cannot reach the relay at ${url}: no answer within 1 s`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("does not follow a redirect with the admin token, and names where it points", async () => {
    const reached: string[] = [];
    const target = createHttpServer((request, response) => {
      reached.push(request.url ?? "");
      response.end("{}");
    });
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    const targetAddress = target.address();
    const targetUrl = `http://127.0.0.1:${typeof targetAddress === "object" && targetAddress ? targetAddress.port : 0}`;
    const redirector = createHttpServer((request, response) => {
      response.writeHead(307, { location: `${targetUrl}${request.url ?? "/"}` });
      response.end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, "127.0.0.1", resolve));
    const address = redirector.address();
    const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    try {
      const result = await runCli(["errors"], { env: { AFFINITY_RELAY_URL: url } });
      expect(result.code).toBe(1);
      expect(oneLine(result.stderr)).toBe(
        `affinity-relay: ${url} redirects (307) to ${targetUrl}: use that as the relay URL (the CLI does not follow redirects with the admin token)`,
      );
      expect(reached).toEqual([]);
    } finally {
      await new Promise((resolve) => redirector.close(resolve));
      await new Promise((resolve) => target.close(resolve));
    }
  });

  it("says forensics are disabled on a relay without ADMIN_TOKEN, for every command", async () => {
    const url = bare?.url ?? "";
    const expected = `affinity-relay: forensics are disabled on this relay (${url}): set ADMIN_TOKEN with \`wrangler secret put ADMIN_TOKEN\``;
    for (const args of [["errors"], ["errors", "show", "01ARZ3NDEKTSV4RRFFQ69G5FAV"], ["session", "k"], ["tail"]]) {
      const result = await runCli(args, { env: { AFFINITY_RELAY_URL: url } });
      expect(result.code).toBe(1);
      expect(oneLine(result.stderr)).toBe(expected);
    }
  });

  it("says when the URL is not an affinity-relay", async () => {
    // The stand-in upstream answers GET / with a Messages API answer, not the relay's health JSON.
    const result = await runCli(["errors"], { env: { AFFINITY_RELAY_URL: e2e.upstreamUrl } });
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toBe(
      `affinity-relay: ${e2e.upstreamUrl} is not an affinity-relay: GET / answered 200 with other JSON, not the relay's health JSON; check --url or AFFINITY_RELAY_URL`,
    );
  });

  it("passes on the API's 400 message", async () => {
    const result = await runCli(["errors", "--session", "has space"]);
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toBe("affinity-relay: the relay refused the request: session must be 1 to 256 visible ASCII characters (0x21-0x7E)");
  });
});

describe("arguments", () => {
  it.each([
    [["errors", "--limit", "abc"], "affinity-relay: --limit must be a whole number from 1 to 10000, not 'abc' (see affinity-relay errors --help)"],
    [["errors", "--status", "99"], "affinity-relay: --status must be an HTTP status from 100 to 599, not '99' (see affinity-relay errors --help)"],
    [["errors", "--since", "yesterday"], "affinity-relay: --since must be a duration such as 30s, 15m, 2h or 7d, not 'yesterday' (see affinity-relay errors --help)"],
    [["tail", "--interval", "0s"], "affinity-relay: --interval must be a duration such as 30s, 15m, 2h or 7d, not '0s' (see affinity-relay tail --help)"],
    [["errors", "--interval", "5s"], "affinity-relay: errors does not take --interval (see affinity-relay errors --help)"],
    [["frobnicate"], "affinity-relay: unknown command 'frobnicate': the commands are errors, errors show, session and tail (see affinity-relay --help)"],
    [["errors", "--nope"], "affinity-relay: Unknown option '--nope' (see affinity-relay --help)"],
  ])("refuses %j with exit code 2", async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(oneLine(result.stderr)).toBe(message);
  });

  it("never echoes a token given with a misspelt or misused option", async () => {
    for (const args of [[`--admin-tokn=${WRONG_TOKEN}`], [`--json=${WRONG_TOKEN}`], [WRONG_TOKEN]]) {
      const result = await runCli(["errors", ...args, "--admin-token", WRONG_TOKEN], { secrets: [WRONG_TOKEN] });
      expect(result.code).toBe(2);
    }
    const positional = await runCli(["errors", WRONG_TOKEN], { env: { AFFINITY_RELAY_ADMIN_TOKEN: WRONG_TOKEN }, secrets: [WRONG_TOKEN] });
    expect(positional.stderr).toContain("[redacted]");
  });
});

describe("help and version", () => {
  it("prints the overview with --help and help, with placeholders only", async () => {
    for (const args of [["--help"], ["help"], ["-h"]]) {
      const result = await runCli(args);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("affinity-relay errors [--session KEY] [--status N] [--since 2h] [--limit N] [--json]");
      expect(result.stdout).toContain("AFFINITY_RELAY_ADMIN_TOKEN=<admin token>");
    }
  });

  it("prints a command's help", async () => {
    const cases: Array<[string[], string]> = [
      [["errors", "--help"], "Usage: affinity-relay errors [--session KEY]"],
      [["errors", "show", "--help"], "Usage: affinity-relay errors show ID"],
      [["help", "errors", "show"], "Usage: affinity-relay errors show ID"],
      [["session", "--help"], "Usage: affinity-relay session KEY"],
      [["help", "tail"], "Usage: affinity-relay tail [--session KEY]"],
    ];
    for (const [args, start] of cases) {
      const result = await runCli(args);
      expect(result.code).toBe(0);
      expect(result.stdout.startsWith(start)).toBe(true);
    }
  });

  it("prints the overview and fails without a command", async () => {
    const result = await runCli([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Usage:");
    expect(result.stderr.trimEnd().endsWith("affinity-relay: no command given")).toBe(true);
  });

  it("prints the version from package.json", async () => {
    const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    const result = await runCli(["--version"]);
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  it("needs no settings for help", async () => {
    const result = await runCli(["session", "--help"], { env: { AFFINITY_RELAY_URL: undefined, AFFINITY_RELAY_ADMIN_TOKEN: undefined } });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
  });
});
