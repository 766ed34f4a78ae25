import { BaseSequencer, type TestSpecification } from "vitest/node";
import { defineConfig } from "vitest/config";

/** The file that searches what the whole suite left behind: it must run after every other file. */
const LAST_FILE = "secrets.test.ts";

/** Runs the files in name order, with the secrets scan last whatever the cached timings say. */
class SecretsLastSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const isLast = (file: TestSpecification): number => (file.moduleId.endsWith(`/${LAST_FILE}`) ? 1 : 0);
    return [...files].sort((a, b) => isLast(a) - isLast(b) || a.moduleId.localeCompare(b.moduleId));
  }
}

/**
 * The reliability and security suite: load, faults, malformed input and a final secrets scan, node-side, against
 * the relay under `wrangler dev` with a fresh state directory and canary secrets (test/reliability/global-setup.ts).
 */
export default defineConfig({
  test: {
    include: ["test/reliability/**/*.test.ts"],
    environment: "node",
    setupFiles: ["./test/wrangler-dev-retry.ts"],
    globalSetup: ["./test/reliability/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    teardownTimeout: 30_000,
    // One relay serves every file, and the secrets scan must see everything the others did: one file at a time.
    fileParallelism: false,
    sequence: { sequencer: SecretsLastSequencer },
  },
});
