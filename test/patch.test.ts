/** `applyPatches` (durable/patch.ts), the pure core of protocol-1 patches. */
import { describe, expect, it } from "vitest";
import { RelayError } from "../src/errors";
import { applyPatches } from "../durable/patch";

function refusal(run: () => unknown): RelayError {
  try {
    run();
  } catch (error) {
    if (error instanceof RelayError) return error;
    throw error;
  }
  throw new Error("expected a RelayError");
}

describe("applyPatches", () => {
  it("replaces, inserts and deletes by UTF-16 code unit", () => {
    expect(applyPatches("Hello, world", [{ start: 7, deleteCount: 5, insert: "relay" }])).toBe("Hello, relay");
    expect(applyPatches("abc", [{ start: 0, deleteCount: 0, insert: ">" }])).toBe(">abc");
    expect(applyPatches("abc", [{ start: 3, deleteCount: 0, insert: "<" }])).toBe("abc<");
    expect(applyPatches("abc", [{ start: 1, deleteCount: 1, insert: "" }])).toBe("ac");
    expect(applyPatches("abc", [{ start: 0, deleteCount: 3, insert: "" }])).toBe("");
    expect(applyPatches("", [{ start: 0, deleteCount: 0, insert: "new" }])).toBe("new");
  });

  it("returns the base unchanged for an empty list", () => {
    expect(applyPatches("unchanged", [])).toBe("unchanged");
  });

  it("reads every range against the base, not against earlier results", () => {
    const patches = [
      { start: 0, deleteCount: 1, insert: "XYZ" },
      { start: 2, deleteCount: 1, insert: "" },
      { start: 4, deleteCount: 0, insert: "+" },
    ];
    expect(applyPatches("abcdef", patches)).toBe("XYZbd+ef");
  });

  it("allows adjacent ranges and several inserts at one position, in list order", () => {
    expect(applyPatches("0123", [{ start: 1, deleteCount: 1, insert: "a" }, { start: 2, deleteCount: 1, insert: "b" }])).toBe("0ab3");
    expect(applyPatches("xy", [{ start: 1, deleteCount: 0, insert: "1" }, { start: 1, deleteCount: 0, insert: "2" }])).toBe("x12y");
  });

  it("counts a surrogate pair as two units, a combining mark as one", () => {
    const base = "a🚀e\u0301z";
    expect(base.length).toBe(6);
    expect(applyPatches(base, [{ start: 1, deleteCount: 2, insert: "🛰" }])).toBe("a🛰e\u0301z");
    expect(applyPatches(base, [{ start: 4, deleteCount: 1, insert: "\u0300" }])).toBe("a🚀e\u0300z");
    expect(applyPatches("世界", [{ start: 1, deleteCount: 1, insert: "间" }])).toBe("世间");
  });

  it.each([
    ["a range past the end", [{ start: 2, deleteCount: 3, insert: "" }], "patch[0]"],
    ["a start past the end", [{ start: 5, deleteCount: 0, insert: "x" }], "patch[0]"],
    ["an overlap", [{ start: 0, deleteCount: 2, insert: "" }, { start: 1, deleteCount: 1, insert: "" }], "patch[1]"],
    ["ranges out of order", [{ start: 3, deleteCount: 0, insert: "" }, { start: 2, deleteCount: 0, insert: "" }], "patch[1]"],
    ["a later overlap", [{ start: 0, deleteCount: 0, insert: "" }, { start: 1, deleteCount: 2, insert: "" }, { start: 2, deleteCount: 0, insert: "" }], "patch[2]"],
  ])("refuses %s with a 400 naming the patch", (_label, patches, field) => {
    const error = refusal(() => applyPatches("abcd", patches));
    expect(error.status).toBe(400);
    expect(error.type).toBe("invalid_request");
    expect(error.message.startsWith(`${field} `)).toBe(true);
  });
});
