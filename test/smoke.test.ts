import { describe, expect, it } from "vitest";
import { messageEvents } from "../tools/stand-in/messages.js";
import { clientHeaders, relayFetch, uniqueKey, UPSTREAM } from "./helpers/relay";

describe("smoke", () => {
  it("streams an SSE answer", async () => {
    const response = await relayFetch("/v1/messages", {
      method: "POST",
      headers: clientHeaders({ "x-session-affinity": uniqueKey("smoke") }),
      body: JSON.stringify({ stream: true }),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(messageEvents().join(""));
    console.log(UPSTREAM, [...response.headers]);
  });
  it("broken", async () => {
    const response = await relayFetch("/v1/messages", {
      method: "POST",
      headers: clientHeaders({ "x-session-affinity": uniqueKey("smoke"), "x-stand-in-scenario": "reset-mid-event" }),
      body: JSON.stringify({ stream: true }),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    console.log(JSON.stringify(text.slice(-300)));
  });
  it("broken json", async () => {
    const response = await relayFetch("/v1/messages", {
      method: "POST",
      headers: clientHeaders({ "x-session-affinity": uniqueKey("smoke"), "x-stand-in-scenario": "reset", "x-stand-in-content-type": "application/json" }),
      body: JSON.stringify({ stream: true }),
    });
    expect(response.status).toBe(200);
    const r = await response.text().then((t) => "ok:" + t.length, (e) => "err:" + String(e));
    console.log(r);
  });
});
