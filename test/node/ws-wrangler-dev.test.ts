import { createHash } from "node:crypto";
import { inject, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { messageEvents } from "../../tools/stand-in/messages.js";

const { relayUrl, upstreamUrl, relayToken } = inject("e2e");

function sha256(text: string): string {
  return `sha256:${createHash("sha256").update(text, "utf8").digest("hex")}`;
}

/** Collects frames from a `ws` socket in order. */
function collect(ws: WebSocket): { frames: Array<string | Buffer>; next: () => Promise<string | Buffer> } {
  const frames: Array<string | Buffer> = [];
  const waiters: Array<() => void> = [];
  ws.on("message", (data, isBinary) => {
    frames.push(isBinary ? Buffer.from(data as Buffer) : data.toString());
    for (const waiter of waiters.splice(0)) waiter();
  });
  return {
    frames,
    next: async () => {
      const deadline = Date.now() + 10_000;
      while (frames.length === 0) {
        if (Date.now() > deadline) throw new Error("no frame within 10 s");
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
      const frame = frames.shift();
      if (frame === undefined) throw new Error("unreachable");
      return frame;
    },
  };
}

describe("protocol 2 through wrangler dev with a Node ws client", () => {
  it("streams a full_sync turn and then a patch turn byte for byte", async () => {
    const key = `e2e-ws-${Date.now()}`;
    const ws = new WebSocket(`${relayUrl.replace("http", "ws")}/ws?affinity=${key}`, { headers: { "x-relay-token": relayToken } });
    const reader = collect(ws);
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    expect(JSON.parse(String(await reader.next()))).toEqual({ protocol: 2, type: "ready", state: null });

    const first = JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "hi" }] });
    const upstream = { url: `${upstreamUrl}/v1/messages`, method: "POST", headers: { "content-type": "application/json" } };
    ws.send(JSON.stringify({ protocol: 2, type: "request", id: "t1", upstream, mode: "full_sync", revision: 1, next_hash: sha256(first), body: first }));
    expect(JSON.parse(String(await reader.next()))).toMatchObject({ type: "accepted", id: "t1", hash: sha256(first), revision: 1 });
    expect(JSON.parse(String(await reader.next()))).toMatchObject({ type: "response_start", id: "t1", status: 200 });
    const chunks: Buffer[] = [];
    let frame = await reader.next();
    for (; Buffer.isBuffer(frame); frame = await reader.next()) chunks.push(frame);
    expect(JSON.parse(String(frame))).toEqual({ protocol: 2, type: "done", id: "t1" });
    expect(Buffer.concat(chunks).toString("utf8")).toBe(messageEvents().join(""));

    const insert = ',{"role":"assistant","content":"yo"}';
    const at = first.indexOf("}]") + 1;
    const second = first.slice(0, at) + insert + first.slice(at);
    ws.send(JSON.stringify({
      protocol: 2, type: "request", id: "t2", upstream, mode: "patch", revision: 2,
      base_hash: sha256(first), next_hash: sha256(second), patch: { start: at, deleteCount: 0, insert },
    }));
    expect(JSON.parse(String(await reader.next()))).toMatchObject({ type: "accepted", id: "t2", hash: sha256(second), revision: 2 });
    ws.close(1000);
  });
});
