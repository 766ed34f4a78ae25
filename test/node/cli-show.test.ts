/** `affinity-relay errors show ID`: one record laid out for reading, and as raw JSON. */
import { beforeAll, describe, expect, it } from "vitest";
import { e2e, forensics, runCli, sendUpstreamError, uniqueSession, waitForRecords } from "./cli-harness.js";

const session = uniqueSession("show");
let jsonId = "";
let jsonRequestId = "";
let truncatedId = "";

beforeAll(async () => {
  jsonRequestId = await sendUpstreamError(session, 529, { "x-api-key": "sk-ant-cli-show-canary" });
  jsonId = (await waitForRecords(session, 1))[0]?.id ?? "";
  // A text body longer than ERROR_BODY_PREVIEW_BYTES (51200 by default), with an escape sequence in it.
  await sendUpstreamError(session, 400, { "x-stand-in-body-bytes": "60000", "x-stand-in-fill": encodeURIComponent("ab\u001b[31m") });
  truncatedId = (await waitForRecords(session, 2))[0]?.id ?? "";
});

describe("affinity-relay errors show", () => {
  it("lays out the fields, the upstream headers as aligned lines and the JSON body pretty-printed", async () => {
    const result = await runCli(["errors", "show", jsonId]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    const lines = result.stdout.split("\n");
    expect(lines[0]).toBe(`Error record ${jsonId}`);
    expect(result.stdout).toMatch(new RegExp(`\\n  session +${session}\\n`));
    expect(result.stdout).toMatch(new RegExp(`\\n  request id +${jsonRequestId} `));
    expect(result.stdout).toMatch(/\n {2}transport +http, protocol transparent\n/);
    expect(result.stdout).toMatch(/\n {2}kind +upstream_status\n/);
    expect(result.stdout).toContain(`POST ${e2e.upstreamUrl}/v1/messages (`);
    expect(result.stdout).toMatch(/\n {2}status +529 /);

    const start = lines.findIndex((line) => line.startsWith("Upstream response headers"));
    const headerLines = lines.slice(start + 1, lines.indexOf("", start));
    expect(headerLines).toContain("  content-type:   application/json");
    expect(headerLines).toContain("  set-cookie:     [redacted]");
    expect(headerLines).toContain("  x-request-id:   req_standin");
    // Aligned: every value starts in the same column.
    const columns = new Set(headerLines.map((line) => /^ {2}\S+: +/.exec(line)?.[0].length));
    expect(columns.size).toBe(1);

    expect(result.stdout).toContain("Upstream body (");
    expect(result.stdout).toContain('  {\n    "type": "error",\n    "error": {\n      "type": "overloaded_error",');
    expect(result.stdout).not.toContain("truncated");
    expect(result.stdout).not.toContain("sk-ant-cli-show-canary");
  });

  it("notes a truncated body and shows control characters as escapes", async () => {
    const result = await runCli(["errors", "show", truncatedId]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Upstream body (51,200 bytes)\n  ab\\x1b[31mab\\x1b[31m");
    expect(result.stdout).not.toContain("\u001b");
    expect(result.stdout).toContain("(truncated: the relay kept the first 51,200 bytes of the body, ERROR_BODY_PREVIEW_BYTES)");
  });

  it("accepts the id in lower case", async () => {
    const result = await runCli(["errors", "show", jsonId.toLowerCase()]);
    expect(result.code).toBe(0);
    expect(result.stdout.split("\n")[0]).toBe(`Error record ${jsonId}`);
  });

  it("prints the raw record with --json", async () => {
    const result = await runCli(["errors", "show", jsonId, "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(await forensics(`/_relay/errors/${jsonId}`));
  });

  it("fails with exit code 1 on an unknown id", async () => {
    const unknown = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    const result = await runCli(["errors", "show", unknown]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`affinity-relay: no error record ${unknown} on this relay (unknown id, or expired: records are kept ERROR_TTL_SECONDS, 7 days by default)\n`);
  });

  it("passes on the API's message for an id that is not a ULID", async () => {
    const result = await runCli(["errors", "show", "not-a-ulid"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("affinity-relay: the relay refused the request: a record id is a ULID (26 Crockford base32 characters)\n");
  });

  it("needs an id", async () => {
    const result = await runCli(["errors", "show"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("errors show needs a record id");
  });
});
