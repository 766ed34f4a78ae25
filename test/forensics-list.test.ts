/**
 * `GET /_relay/errors`: summaries from KV, newest first, filtered by session and status, paged with cursors that
 * chain without gaps or repeats and end with `cursor: null`.
 */
import { describe, expect, it } from "vitest";
import { adminFetch, adminJson, allPages, type ErrorListing, journalStatuses, SUMMARY_FIELDS, summaryOf } from "./helpers/journal";
import { uniqueKey } from "./helpers/relay";

function sessionPath(key: string, query = ""): string {
  return `/_relay/errors?session=${encodeURIComponent(key)}${query}`;
}

describe("the listing", () => {
  it("answers {errors, cursor} with exactly the summary fields, equal to each record's, newest first", async () => {
    const key = uniqueKey("list-shape");
    const records = await journalStatuses(key, [500, 502, 503]);
    const response = await adminFetch(sessionPath(key));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const listing = (await response.json()) as ErrorListing;
    expect(Object.keys(listing).sort()).toEqual(["cursor", "errors"]);
    expect(listing.cursor).toBeNull();
    for (const summary of listing.errors) expect(Object.keys(summary).sort()).toEqual(SUMMARY_FIELDS);
    expect(listing.errors).toEqual(records.map(summaryOf));
    expect(listing.errors.map((summary) => summary.status)).toEqual([503, 502, 500]);
  });

  it("lists every session's records newest first without a filter", async () => {
    const first = uniqueKey("list-all-a");
    const second = uniqueKey("list-all-b");
    const older = await journalStatuses(first, [500]);
    const newer = await journalStatuses(second, [501]);
    const listing = await adminJson<ErrorListing>("/_relay/errors?limit=1000");
    const ids = listing.errors.map((summary) => summary.id);
    expect(ids.indexOf(newer[0]?.id ?? "")).toBeLessThan(ids.indexOf(older[0]?.id ?? ""));
    expect(ids.indexOf(newer[0]?.id ?? "")).toBeGreaterThanOrEqual(0);
    const times = listing.errors.map((summary) => Date.parse(summary.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it("shows the full URL and key of a record whose metadata had to be shortened", async () => {
    const key = `${uniqueKey("list-long")}${"-".repeat(256)}`.slice(0, 256);
    const [record] = await journalStatuses(key, [500], { path: `/v1/messages?${"long=".padEnd(2500, "y")}` });
    if (!record) throw new Error("no record");
    const listing = await adminJson<ErrorListing>(sessionPath(key));
    expect(listing.errors).toEqual([summaryOf(record)]);
  });
});

describe("filters", () => {
  it("lists only the named session's records", async () => {
    const mine = uniqueKey("list-mine");
    const other = uniqueKey("list-other");
    await journalStatuses(other, [500]);
    const records = await journalStatuses(mine, [501, 502]);
    await journalStatuses(other, [503]);
    const listing = await adminJson<ErrorListing>(sessionPath(mine));
    expect(listing.errors).toEqual(records.map(summaryOf));
  });

  it("finds a session whose key holds / and :", async () => {
    const key = `${uniqueKey("list-odd")}/a:b`;
    const records = await journalStatuses(key, [500]);
    expect((await adminJson<ErrorListing>(sessionPath(key))).errors).toEqual(records.map(summaryOf));
    // Its parent-looking key is another session, with nothing in it.
    expect((await adminJson<ErrorListing>(sessionPath(key.slice(0, key.indexOf("/"))))).errors).toEqual([]);
  });

  it("lists only records with the given status, within a session and across sessions", async () => {
    const key = uniqueKey("list-status");
    const records = await journalStatuses(key, [500, 502, 500, 503]);
    const only500 = await adminJson<ErrorListing>(sessionPath(key, "&status=500"));
    expect(only500.errors).toEqual(records.filter((record) => record.status === 500).map(summaryOf));
    const global503 = await adminJson<ErrorListing>("/_relay/errors?status=503&limit=1000");
    expect(global503.errors.every((summary) => summary.status === 503)).toBe(true);
    expect(global503.errors.map((summary) => summary.id)).toContain(records[0]?.id);
    expect((await adminJson<ErrorListing>(sessionPath(key, "&status=404"))).errors).toEqual([]);
  });

  it("answers an empty list for a session without records", async () => {
    expect(await adminJson<ErrorListing>(sessionPath(uniqueKey("list-none")))).toEqual({ errors: [], cursor: null });
  });
});

describe("pagination", () => {
  it("pages 5 records by 2: cursors chain without gaps or repeats, the last cursor is null", async () => {
    const key = uniqueKey("list-pages");
    const records = await journalStatuses(key, [500, 501, 502, 503, 504]);
    const pages = await allPages(sessionPath(key, "&limit=2"));
    expect(pages.map((page) => page.errors.length)).toEqual([2, 2, 1]);
    expect(pages.slice(0, -1).every((page) => typeof page.cursor === "string" && page.cursor !== "")).toBe(true);
    expect(pages.at(-1)?.cursor).toBeNull();
    expect(pages.flatMap((page) => page.errors)).toEqual(records.map(summaryOf));
  });

  it("pages a status-filtered listing the same way", async () => {
    const key = uniqueKey("list-pages-status");
    const records = await journalStatuses(key, [500, 418, 500, 500, 418, 500, 500]);
    const pages = await allPages(sessionPath(key, "&limit=2&status=500"));
    const listed = pages.flatMap((page) => page.errors);
    expect(listed).toEqual(records.filter((record) => record.status === 500).map(summaryOf));
    expect(new Set(listed.map((summary) => summary.id)).size).toBe(listed.length);
    expect(pages.every((page) => page.errors.length <= 2)).toBe(true);
    expect(pages.at(-1)?.cursor).toBeNull();
    expect(pages.slice(0, -1).every((page) => page.errors.length === 2)).toBe(true);
  });

  it("pages the global listing into exactly the unpaged listing", async () => {
    await journalStatuses(uniqueKey("list-global-a"), [500, 502]);
    await journalStatuses(uniqueKey("list-global-b"), [503]);
    const whole = await adminJson<ErrorListing>("/_relay/errors?limit=1000");
    expect(whole.cursor).toBeNull();
    const pages = await allPages("/_relay/errors?limit=3");
    expect(pages.flatMap((page) => page.errors)).toEqual(whole.errors);
    expect(pages.slice(0, -1).every((page) => page.errors.length === 3)).toBe(true);
  });

  it("keeps a cursor's place when newer records arrive between pages", async () => {
    const key = uniqueKey("list-pages-live");
    const records = await journalStatuses(key, [500, 501, 502, 503]);
    const first = await adminJson<ErrorListing>(sessionPath(key, "&limit=2"));
    await journalStatuses(key, [500, 501, 502, 503, 599]);
    const second = await adminJson<ErrorListing>(sessionPath(key, `&limit=2&cursor=${encodeURIComponent(first.cursor ?? "")}`));
    expect(first.errors).toEqual(records.slice(0, 2).map(summaryOf));
    // The next page goes on after the first page's last record, whatever arrived meanwhile: no repeat, no gap.
    expect(second.errors).toEqual(records.slice(2, 4).map(summaryOf));
  });
});
