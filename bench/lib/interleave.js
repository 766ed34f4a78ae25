// @ts-check
/**
 * Interleaved measurement: in each round every target is measured once, in a fresh random order, so a burst of
 * machine noise lands on all of them alike and the per-round ratios cancel most of it.
 */
import { performance } from "node:perf_hooks";
import { prng, shuffle } from "./stats.js";

/**
 * @template {string} K
 * @param {number} rounds
 * @param {readonly K[]} keys
 * @param {(key: K, round: number) => Promise<number>} measure one sample of `key` in `round`
 * @param {{ seed?: number, pauseMs?: number, budgetMs?: number, minRounds?: number }} [options] `pauseMs`: idle
 *   time after each sample; `budgetMs`: no new round starts after this long, once `minRounds` are done (quick
 *   runs on a busy machine stay quick, with fewer rounds)
 * @returns {Promise<Record<K, number[]>>} samples per key, index = round; as many rounds for every key
 */
export async function interleave(rounds, keys, measure, { seed = 1, pauseMs = 0, budgetMs = Infinity, minRounds = 2 } = {}) {
  const started = performance.now();
  const random = prng(seed);
  /** @type {Record<string, number[]>} */
  const samples = {};
  for (const key of keys) samples[key] = [];
  for (let round = 0; round < rounds; round += 1) {
    if (round >= minRounds && performance.now() - started > budgetMs) break;
    for (const key of shuffle([...keys], random)) {
      samples[key]?.push(await measure(key, round));
      if (pauseMs > 0) await sleep(pauseMs);
    }
  }
  return /** @type {Record<K, number[]>} */ (samples);
}

/** Element-wise a[i] / b[i]. @param {number[]} a @param {number[]} b */
export function pairRatios(a, b) {
  return a.map((value, index) => value / /** @type {number} */ (b[index]));
}

/** @param {number} ms */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
