/** `affinity-relay tail`: new records as they appear, each once, oldest first, until Ctrl-C. */
import { describe, expect, it } from "vitest";
import { linesWith, runCli, sendUpstreamError, startCli, uniqueSession, waitForRecords } from "./cli-harness.js";
import type { ErrorSummary } from "../../src/records.js";

const WAITING = "Waiting for new error records";

describe("affinity-relay tail", () => {
  it("prints each new record of a session once, oldest first, and exits 0 on SIGINT", async () => {
    const session = uniqueSession("tail");
    // A record from before the tail starts is not printed.
    await sendUpstreamError(session, 500);
    const [before] = await waitForRecords(session, 1);
    // Polls 2 s apart: the two records below most likely arrive in one poll, which prints the older first.
    const tail = startCli(["tail", "--session", session, "--interval", "2s"]);
    await tail.waitFor("the waiting line", (_out, err) => err.includes(WAITING));
    expect(tail.stderr()).toContain(`${WAITING} of session ${session} on `);

    await sendUpstreamError(session, 502);
    await sendUpstreamError(session, 503);
    const [newest, older] = await waitForRecords(session, 3);
    if (before === undefined || newest === undefined || older === undefined) throw new Error("records missing");
    await tail.waitFor("both new records", (out) => out.includes(newest.id) && out.includes(older.id));
    // One more record, printed by a later poll: the earlier ones are not printed again.
    await sendUpstreamError(session, 504);
    const [last] = await waitForRecords(session, 4);
    if (last === undefined) throw new Error("record missing");
    await tail.waitFor("the last record", (out) => out.includes(last.id));
    tail.child.kill("SIGINT");
    const result = await tail.exited;

    expect(result.code).toBe(0);
    expect(result.signal).toBeNull();
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^TIME\s+ID\s+STATUS/);
    expect(lines.slice(1).map((line) => line.split(/\s+/)[1])).toEqual([older.id, newest.id, last.id]);
    expect(linesWith(result.stdout, before.id)).toEqual([]);
  });

  it("prints NDJSON with --json across the global listing", async () => {
    const session = uniqueSession("tail-json");
    const tail = startCli(["tail", "--json", "--interval", "1s"]);
    await tail.waitFor("the waiting line", (_out, err) => err.includes(WAITING));
    await sendUpstreamError(session, 504);
    const [record] = await waitForRecords(session, 1);
    if (record === undefined) throw new Error("record missing");
    await tail.waitFor("the record", (out) => out.includes(record.id));
    tail.child.kill("SIGINT");
    const result = await tail.exited;
    expect(result.code).toBe(0);
    const printed = result.stdout.trimEnd().split("\n").map((line): ErrorSummary => JSON.parse(line));
    expect(printed.filter((summary) => summary.affinity === session)).toEqual([record]);
  });

  it("ends with the error when the first poll fails", async () => {
    const result = await runCli(["tail"], { env: { AFFINITY_RELAY_ADMIN_TOKEN: "tail-wrong-token-canary" }, secrets: ["tail-wrong-token-canary"] });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^affinity-relay: the relay rejected the admin token/);
  });
});
