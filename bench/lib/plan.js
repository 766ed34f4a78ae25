// @ts-check
/**
 * How much each metric measures, in full and in quick mode (`npm run bench -- --quick`, under 60 s wall time).
 */

/**
 * @typedef {{ mode: "quick" | "full", warmUp: number, ttfbRounds: number, throughputBytes: number,
 *   throughputRounds: number, runtimeBytes: number, runtimeRounds: number, wsRounds: number, turns: number, errorRounds: number, errorPauseMs: number,
 *   memoryBytes: number, concurrencyLevels: number[], concurrencyRounds: number, concurrencyWindowMs: number,
 *   lifetimeS: number, budgetMs: number, doHop: boolean, only: Set<number> | null }} Plan
 * `only`: metric numbers to run (`--only 1,3`), null for all. `budgetMs`: how long an interleaved metric may go
 * on starting new rounds (quick runs only; a busy machine then gets fewer rounds, reported in the details).
 * `doHop`: also measure the baseline with one Durable Object hop, as context (full runs; `--do-hop` in quick ones).
 */

const MB = 1024 * 1024;

/** @param {string[]} argv @returns {Plan} */
export function parsePlan(argv) {
  const quick = argv.includes("--quick");
  const onlyIndex = argv.indexOf("--only");
  const only = onlyIndex >= 0 ? new Set((argv[onlyIndex + 1] ?? "").split(",").map(Number).filter((n) => n >= 1 && n <= 7)) : null;
  const unknown = argv.filter((arg, index) => arg.startsWith("--") && !["--quick", "--only", "--do-hop"].includes(arg) && argv[index - 1] !== "--only");
  if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(" ")} (use --quick, --only 1,2,..., --do-hop)`);
  const common = { turns: 50, concurrencyLevels: [1, 16, 64], errorPauseMs: 25, only, doHop: !quick || argv.includes("--do-hop") };
  if (quick) {
    return {
      ...common, mode: "quick", warmUp: 8, ttfbRounds: 100, throughputBytes: 4 * MB, throughputRounds: 3, runtimeBytes: 8 * MB, runtimeRounds: 0, wsRounds: 40,
      errorRounds: 60, memoryBytes: 20 * MB, concurrencyRounds: 2, concurrencyWindowMs: 600, lifetimeS: 300, budgetMs: 4000,
    };
  }
  return {
    ...common, mode: "full", warmUp: 20, ttfbRounds: 600, throughputBytes: 12 * MB, throughputRounds: 4, runtimeBytes: 16 * MB, runtimeRounds: 3, wsRounds: 200,
    errorRounds: 300, memoryBytes: 100 * MB, concurrencyRounds: 5, concurrencyWindowMs: 3000, lifetimeS: 1800,
    budgetMs: Infinity,
  };
}
