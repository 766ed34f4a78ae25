/** `affinity-relay session KEY`: the session's stored base and counts, then its most recent records. */
import { beforeAll, describe, expect, it } from "vitest";
import { forensics, runCli, sendEnvelopeError, sendUpstreamError, uniqueSession, waitForRecords } from "./cli-harness.js";
import type { ErrorSummary } from "../../src/records.js";

const session = uniqueSession("session");
let base = { hash: "", bytes: 0 };
let records: ErrorSummary[] = [];

beforeAll(async () => {
  // A protocol-1 full_sync stores the session's base; then six transparent errors; 429 is counted, not journaled.
  base = await sendEnvelopeError(session, 500);
  records = await waitForRecords(session, 1);
  for (const status of [501, 502, 503, 504, 505, 429, 429]) await sendUpstreamError(session, status);
  records = await waitForRecords(session, 6);
  await settled(session);
});

/** Waits until the object has counted both 429s and delivered every record to KV (both happen after the response). */
async function settled(key: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const info = await forensics(`/_relay/sessions/${encodeURIComponent(key)}`);
    if (typeof info === "object" && info !== null && "undelivered" in info && "ignored" in info) {
      const { ignored, undelivered } = info;
      if (undelivered === 0 && typeof ignored === "object" && ignored !== null && "429" in ignored && ignored["429"] === 2) return;
    }
    if (Date.now() > deadline) throw new Error(`the session did not settle: ${JSON.stringify(info)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("affinity-relay session", () => {
  it("shows the stored base, the counts and the five most recent records", async () => {
    const result = await runCli(["session", session]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    const lines = result.stdout.split("\n");
    expect(lines.slice(0, 5)).toEqual([
      `Session ${session}`,
      `  stored base  ${base.hash}, revision 1, ${base.bytes} bytes`,
      "  journal      6 error records",
      "  ignored      429 × 2",
      "  undelivered  0",
    ]);
    const tableStart = lines.findIndex((line) => line.startsWith("TIME"));
    expect(lines[tableStart - 1]).toContain("Most recent error records (5 of 6 records, newest first");
    const rows = lines.slice(tableStart + 1).filter((line) => line !== "");
    expect(rows.map((row) => row.split(/\s+/)[1])).toEqual(records.slice(0, 5).map((record) => record.id));
    expect(rows.map((row) => row.split(/\s+/)[2])).toEqual(["505", "504", "503", "502", "501"]);
  });

  it("shows as many recent records as --limit asks", async () => {
    const result = await runCli(["session", session, "--limit", "6"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${records[5]?.id}  500`);
  });

  it("prints the summary and the recent records as JSON with --json", async () => {
    const result = await runCli(["session", session, "--json"]);
    expect(result.code).toBe(0);
    const info = await forensics(`/_relay/sessions/${encodeURIComponent(session)}`);
    const recent = await forensics(`/_relay/sessions/${encodeURIComponent(session)}/errors?limit=5`);
    if (typeof info !== "object" || info === null || typeof recent !== "object" || recent === null || !("errors" in recent)) {
      throw new Error("unexpected API answers");
    }
    expect(JSON.parse(result.stdout)).toEqual({ ...info, recent: recent.errors });
    expect(info).toMatchObject({ affinity: session, state: { hash: base.hash, revision: 1, bytes: base.bytes }, errors: 6, ignored: { 429: 2 } });
  });

  it("shows a session that never failed as empty", async () => {
    const fresh = uniqueSession("never");
    const result = await runCli(["session", fresh]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `Session ${fresh}\n  stored base  none\n  journal      0 error records\n  ignored      none\n  undelivered  0\n\nNo error records in this session's journal.\n`,
    );
  });

  it("looks up keys with characters that need encoding in a URL path", async () => {
    const odd = `${uniqueSession("odd")}/a?b#c%2F`;
    await sendUpstreamError(odd, 500);
    const [record] = await waitForRecords(odd, 1);
    const result = await runCli(["session", odd]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Session ${odd}\n`);
    expect(result.stdout).toContain("  journal      1 error record\n");
    expect(result.stdout).toContain(record?.id);
  });

  it("refuses the keys '.' and '..', which a URL path cannot carry, and points to errors --session", async () => {
    const result = await runCli(["session", ".."]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("use affinity-relay errors --session '..'");
  });

  it("passes on the API's message for an invalid key", async () => {
    const result = await runCli(["session", "x".repeat(300)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("affinity-relay: the relay refused the request: the session key must be 1 to 256 visible ASCII characters (0x21-0x7E)\n");
  });

  it("needs exactly one key", async () => {
    expect((await runCli(["session"])).code).toBe(2);
    const two = await runCli(["session", "a", "b"]);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain("session takes one session key, not also 'b'");
  });
});
