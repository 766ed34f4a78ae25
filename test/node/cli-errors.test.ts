/** `affinity-relay errors`: the listing as a table and as JSON, its filters, and paging. */
import { beforeAll, describe, expect, it } from "vitest";
import { e2e, linesWith, runCli, sendUpstreamError, uniqueSession, waitForRecords } from "./cli-harness.js";
import type { ErrorSummary } from "../../src/records.js";

const HEADER = /^TIME\s+ID\s+STATUS\s+KIND\s+TRANSPORT\s+SESSION\s+UPSTREAM$/;
const session = uniqueSession("errors");
let records: ErrorSummary[] = [];

/** 500, 502, 503 in that order, each in the listing before the next is sent (so their order is certain). */
beforeAll(async () => {
  for (const [index, status] of [500, 502, 503].entries()) {
    await sendUpstreamError(session, status);
    records = await waitForRecords(session, index + 1);
  }
});

function rowOf(stdout: string, summary: ErrorSummary): string {
  const [row, ...more] = linesWith(stdout, summary.id);
  expect(more).toEqual([]);
  if (row === undefined) throw new Error(`no row for ${summary.id} in:\n${stdout}`);
  return row;
}

describe("affinity-relay errors", () => {
  it("prints a table of a session's records, newest first, with every column", async () => {
    const result = await runCli(["errors", "--session", session]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    const [header, ...rows] = result.stdout.trimEnd().split("\n");
    expect(header).toMatch(HEADER);
    expect(rows).toHaveLength(3);
    expect(records.map((record) => record.status)).toEqual([503, 502, 500]);
    for (const [index, record] of records.entries()) {
      const second = `${record.at.slice(0, 19)}Z`;
      expect(rows[index]?.split(/\s+/)).toEqual([second, record.id, String(record.status), "upstream_status", "http", session, `${e2e.upstreamUrl}/v1/messages`]);
    }
  });

  it("filters by status", async () => {
    const result = await runCli(["errors", "--session", session, "--status", "502"]);
    expect(result.code).toBe(0);
    const rows = result.stdout.trimEnd().split("\n").slice(1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(records[1]?.id);
  });

  it("caps the rows with --limit and says that more match", async () => {
    const result = await runCli(["errors", "--session", session, "--limit", "2"]);
    expect(result.code).toBe(0);
    const rows = result.stdout.trimEnd().split("\n").slice(1);
    expect(rows.map((row) => row.split(/\s+/)[1])).toEqual([records[0]?.id, records[1]?.id]);
    expect(result.stderr).toContain("the newest 2 shown; more match: raise --limit");
  });

  it("follows the API's cursor across pages", async () => {
    const result = await runCli(["errors", "--session", session, "--page-size", "1", "--limit", "3", "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(records);
    expect(result.stderr).toBe("");
  });

  it("prints the summaries as a JSON array with --json", async () => {
    const result = await runCli(["errors", "--session", session, "--json"]);
    expect(result.code).toBe(0);
    const printed: unknown = JSON.parse(result.stdout);
    expect(printed).toEqual(records);
    expect(Object.keys(records[0] ?? {}).sort()).toEqual(["affinity", "at", "id", "kind", "requestId", "status", "transport", "upstreamUrl"]);
  });

  it("keeps only records newer than --since", async () => {
    const all = await runCli(["errors", "--session", session, "--since", "1h", "--json"]);
    expect(JSON.parse(all.stdout)).toEqual(records);
    const oldest = records[2];
    if (oldest === undefined) throw new Error("no records");
    // An ISO time 1 ms after the oldest record: that record is left out, the newer two stay.
    const cut = new Date(Date.parse(oldest.at) + 1).toISOString();
    const newer = await runCli(["errors", "--session", session, "--since", cut, "--page-size", "1", "--json"]);
    expect(newer.code).toBe(0);
    expect(JSON.parse(newer.stdout)).toEqual(records.slice(0, 2));
  });

  it("lists the session's records in the global listing too", async () => {
    const result = await runCli(["errors", "--limit", "1000"]);
    expect(result.code).toBe(0);
    expect(result.stdout.split("\n")[0]).toMatch(HEADER);
    for (const record of records) expect(rowOf(result.stdout, record)).toContain(session);
  });

  it("says so when nothing matches", async () => {
    const result = await runCli(["errors", "--session", uniqueSession("empty")]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^No error records for session cli-empty-\w+\.\n$/);
  });

  it("shortens long upstream URLs to fit the width it is given", async () => {
    const long = uniqueSession("a-rather-long-session-key-for-the-table");
    await sendUpstreamError(long, 500);
    const [record] = await waitForRecords(long, 1);
    const result = await runCli(["errors", "--session", long], { env: { COLUMNS: "120" } });
    expect(result.code).toBe(0);
    if (record === undefined) throw new Error("no record");
    const row = rowOf(result.stdout, record);
    expect(row.length).toBeLessThanOrEqual(120);
    expect(row).toContain("…");
    expect(row).not.toContain(long);
    // Uncut when piped without a width.
    const piped = await runCli(["errors", "--session", long]);
    expect(rowOf(piped.stdout, record)).toContain(`${long}  ${e2e.upstreamUrl}/v1/messages`);
  });
});
