// @ts-check
/**
 * Order statistics for the benchmarks. Timings on a shared 2-core machine are noisy, so every figure is a
 * percentile of many samples, every comparison a ratio of samples taken interleaved, and every ratio comes with
 * its spread.
 */

/** The q-quantile (0..1) of `values`, linear between order statistics; NaN when empty. @param {number[]} values @param {number} q */
export function quantile(values, q) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const lowValue = /** @type {number} */ (sorted[low]);
  const highValue = /** @type {number} */ (sorted[high]);
  return lowValue + (highValue - lowValue) * (position - low);
}

/** @param {number[]} values */
export const median = (values) => quantile(values, 0.5);

/** @param {number[]} values */
export function sum(values) {
  return values.reduce((total, value) => total + value, 0);
}

/**
 * @typedef {{ kind: string, low: number, high: number }} Spread
 * How much a ratio moves: `low`..`high` of `kind` (per-round ratios, or a bootstrap of the rounds).
 */

/** p10..p90 of per-round ratios. @param {number[]} ratios @returns {Spread} */
export function roundSpread(ratios) {
  return { kind: "p10-p90 of per-round ratios", low: quantile(ratios, 0.1), high: quantile(ratios, 0.9) };
}

/** A small deterministic PRNG (mulberry32), so runs shuffle and generate the same way. @param {number} seed */
export function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates with the given random source, in place. @template T @param {T[]} items @param {() => number} random */
export function shuffle(items, random) {
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    const held = /** @type {T} */ (items[index]);
    items[index] = /** @type {T} */ (items[other]);
    items[other] = held;
  }
  return items;
}

/**
 * p10..p90 of a statistic of paired rounds, by bootstrap: resample the rounds (pairs stay together) and
 * recompute `statistic(a) / statistic(b)`. For tail ratios such as p99, where per-round ratios say nothing.
 * @param {number[]} a @param {number[]} b @param {(values: number[]) => number} statistic @param {number} [resamples]
 * @returns {Spread}
 */
export function bootstrapRatioSpread(a, b, statistic, resamples = 400) {
  const random = prng(0x5eed);
  const n = Math.min(a.length, b.length);
  /** @type {number[]} */
  const ratios = [];
  for (let round = 0; round < resamples && n > 0; round += 1) {
    /** @type {number[]} */
    const sampleA = [];
    /** @type {number[]} */
    const sampleB = [];
    for (let index = 0; index < n; index += 1) {
      const pick = Math.floor(random() * n);
      sampleA.push(/** @type {number} */ (a[pick]));
      sampleB.push(/** @type {number} */ (b[pick]));
    }
    ratios.push(statistic(sampleA) / statistic(sampleB));
  }
  return { kind: "p10-p90 of a bootstrap over rounds", low: quantile(ratios, 0.1), high: quantile(ratios, 0.9) };
}

/** Rounds a figure for display and JSON: 3 significant digits is all the noise allows. @param {number} value */
export function round3(value) {
  if (!Number.isFinite(value)) return value;
  if (value === 0) return 0;
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))));
  return Number(value.toFixed(Math.min(6, digits)));
}
