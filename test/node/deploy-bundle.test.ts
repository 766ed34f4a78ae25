import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("wrangler deploy --dry-run", () => {
  it("bundles the Worker and its Durable Object offline", async () => {
    const out = mkdtempSync(join(tmpdir(), "affinity-relay-bundle-"));
    try {
      await run("npx", ["--no-install", "wrangler", "deploy", "--dry-run", "--outdir", out], {
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
        timeout: 60_000,
      });
      const bundle = readdirSync(out).find((name) => name.endsWith(".js"));
      expect(bundle).toBeDefined();
      const code = readFileSync(join(out, bundle ?? ""), "utf8");
      expect(code).toMatch(/SessionRelay = class extends DurableObject/);
      expect(code).toMatch(/export \{[^}]*SessionRelay/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
