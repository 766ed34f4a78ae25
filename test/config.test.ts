/** `readConfig` and `readSecret` (src/config.ts): the contract's defaults, overrides, and refusals of bad vars. */
import { describe, expect, it } from "vitest";
import { readConfig, readSecret } from "../src/config";
import { RelayError } from "../src/errors";

function refusal(vars: Record<string, string>): RelayError {
  try {
    readConfig(vars);
  } catch (error) {
    if (error instanceof RelayError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(vars)} to be refused`);
}

describe("readConfig", () => {
  it("applies the contract's defaults when nothing is set", () => {
    const config = readConfig({});
    expect(config.upstreamUrl.toString()).toBe("https://api.anthropic.com/");
    expect([...config.allowlist]).toEqual(["https://api.anthropic.com"]);
    expect(config).toMatchObject({
      errorTtlSeconds: 604800,
      errorBodyPreviewBytes: 51200,
      maxRequestBytes: 33554432,
      upstreamTimeoutMs: 600000,
      wsCoalesceMs: 20,
      wsCoalesceBytes: 1024,
    });
    expect([...config.ignoreStatuses].sort()).toEqual([403, 429]);
  });

  it("treats empty strings as unset (wrangler.toml ships UPSTREAM_ALLOWLIST = \"\")", () => {
    const config = readConfig({ UPSTREAM_URL: "https://upstream.example/api", UPSTREAM_ALLOWLIST: "", MAX_REQUEST_BYTES: " " });
    expect([...config.allowlist]).toEqual(["https://upstream.example"]);
    expect(config.maxRequestBytes).toBe(33554432);
  });

  it("reads every var, trimming, and keeps only the origins of allowlist entries", () => {
    const config = readConfig({
      UPSTREAM_URL: "http://127.0.0.1:8080",
      UPSTREAM_ALLOWLIST: " http://127.0.0.1:8080 , https://b.example/path/ ,,HTTPS://C.EXAMPLE:443",
      ERROR_TTL_SECONDS: "60",
      ERROR_BODY_PREVIEW_BYTES: "0",
      ERROR_IGNORE_STATUSES: " 429 , 529 ",
      MAX_REQUEST_BYTES: "1024",
      UPSTREAM_TIMEOUT_MS: "1500",
      WS_COALESCE_MS: "0",
      WS_COALESCE_BYTES: "1",
    });
    expect([...config.allowlist]).toEqual(["http://127.0.0.1:8080", "https://b.example", "https://c.example"]);
    expect([...config.ignoreStatuses]).toEqual([429, 529]);
    expect(config).toMatchObject({
      errorTtlSeconds: 60,
      errorBodyPreviewBytes: 0,
      maxRequestBytes: 1024,
      upstreamTimeoutMs: 1500,
      wsCoalesceMs: 0,
      wsCoalesceBytes: 1,
    });
  });

  it("journals every status when ERROR_IGNORE_STATUSES is set but empty", () => {
    expect(readConfig({ ERROR_IGNORE_STATUSES: "" }).ignoreStatuses.size).toBe(0);
  });

  it.each([
    ["UPSTREAM_URL", "not a url"],
    ["UPSTREAM_URL", "ftp://files.example"],
    ["UPSTREAM_ALLOWLIST", "https://ok.example,nope"],
    ["ERROR_TTL_SECONDS", "59"],
    ["ERROR_BODY_PREVIEW_BYTES", "-1"],
    ["ERROR_IGNORE_STATUSES", "429,abc"],
    ["ERROR_IGNORE_STATUSES", "99"],
    ["MAX_REQUEST_BYTES", "0"],
    ["MAX_REQUEST_BYTES", "1.5"],
    ["UPSTREAM_TIMEOUT_MS", "ten"],
    ["WS_COALESCE_BYTES", "0"],
  ])("refuses %s=%j with a 503 naming the var", (name, value) => {
    const error = refusal({ [name]: value });
    expect(error.status).toBe(503);
    expect(error.type).toBe("relay_not_configured");
    expect(error.message).toContain(name);
  });

  it("parses once per env object", () => {
    const vars = { MAX_REQUEST_BYTES: "10" };
    expect(readConfig(vars)).toBe(readConfig(vars));
    expect(readConfig({ MAX_REQUEST_BYTES: "10" })).not.toBe(readConfig(vars));
  });
});

describe("readSecret", () => {
  it("returns a set secret exactly, and undefined when unset, empty or not a string", () => {
    expect(readSecret({ RELAY_TOKEN: " tok en " }, "RELAY_TOKEN")).toBe(" tok en ");
    expect(readSecret({}, "RELAY_TOKEN")).toBeUndefined();
    expect(readSecret({ RELAY_TOKEN: "" }, "RELAY_TOKEN")).toBeUndefined();
    expect(readSecret({ ADMIN_TOKEN: 42 }, "ADMIN_TOKEN")).toBeUndefined();
  });
});
