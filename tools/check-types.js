// @ts-check
/**
 * Fails when worker-configuration.d.ts is not what `npm run types` generates from wrangler.toml now.
 * (`wrangler types --check` would do, but it reads a developer's own .dev.vars and ignores --env-file, so it
 * disagrees between a clone with local secrets and one without.)
 */
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";

// Generated beside the real one: the file holds import paths relative to where it is.
const fresh = `.worker-configuration.check-${process.pid}.d.ts`;
try {
  execFileSync("npx", ["--no-install", "wrangler", "types", fresh, "--strict-vars=false", "--env-file", ".dev.vars.example"], {
    stdio: "ignore",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true" },
  });
  // The first line names the command that generated the file, output path included; compare what follows.
  const body = (/** @type {string} */ path) => readFileSync(path, "utf8").split("\n").slice(2).join("\n");
  if (body(fresh) !== body("worker-configuration.d.ts")) {
    console.error("worker-configuration.d.ts is out of date: run `npm run types` and commit it");
    process.exitCode = 1; // not process.exit(): the finally below must remove the scratch file
  }
} finally {
  rmSync(fresh, { force: true });
}
