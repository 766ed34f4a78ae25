// @ts-check
/**
 * What a run produces: bench/results.json (machine-readable) and a table on stdout.
 */
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { round3 } from "./stats.js";

/**
 * @typedef {{ on: "ratio" | "value", op: "<=" | "<" | ">=", value: number, text: string }} Goal
 * @typedef {{ metric: number, key: string, name: string, value: number, unit: string, ratio: number | null,
 *   baseline: number | null, baselineName: string | null, spread: import("./stats.js").Spread | null,
 *   target: Goal | null, met: boolean | null, details: Record<string, unknown> }} MetricResult
 * `value`: the relay's figure; `baseline`: what it is compared with (`baselineName`); `ratio` = value / baseline;
 * `met`: null when the metric has no target (context only).
 */

/** @param {number} actual @param {Goal} goal */
function meets(actual, goal) {
  if (!Number.isFinite(actual)) return false;
  if (goal.op === "<=") return actual <= goal.value;
  if (goal.op === "<") return actual < goal.value;
  return actual >= goal.value;
}

/**
 * Builds one result, judging it against its goal.
 * @param {Omit<MetricResult, "met" | "ratio" | "baseline" | "baselineName" | "spread" | "target" | "details"> & Partial<MetricResult>} fields
 * @returns {MetricResult}
 */
export function result(fields) {
  const baseline = fields.baseline ?? null;
  const ratio = fields.ratio !== undefined ? fields.ratio : baseline === null ? null : fields.value / baseline;
  const target = fields.target ?? null;
  const judged = target === null ? null : meets(target.on === "ratio" ? (ratio ?? Number.NaN) : fields.value, target);
  return {
    metric: fields.metric, key: fields.key, name: fields.name, value: fields.value, unit: fields.unit,
    ratio, baseline, baselineName: fields.baselineName ?? null, spread: fields.spread ?? null, target, met: judged,
    details: fields.details ?? {},
  };
}

/** Rounds every number in a JSON value to 3 significant digits. @param {unknown} value @returns {unknown} */
function tidy(value) {
  if (typeof value === "number") return round3(value);
  if (Array.isArray(value)) return value.map(tidy);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, tidy(item)]));
  return value;
}

/**
 * @param {string} path @param {{ mode: "quick" | "full", metrics: MetricResult[], wallSeconds: number, failures: string[] }} run
 */
export function writeResults(path, { mode, metrics, wallSeconds, failures }) {
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", node: process.version, platform: `${process.platform}-${process.arch}` };
  const document = { generatedAt: new Date().toISOString(), mode, machine, wallSeconds: round3(wallSeconds), failures, metrics: tidy(metrics) };
  writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`);
}

/** @param {number | null} value */
function show(value) {
  if (value === null || value === undefined) return "-";
  return Number.isFinite(value) ? String(round3(value)) : String(value);
}

/** The table printed at the end of a run. @param {MetricResult[]} metrics */
export function formatTable(metrics) {
  const header = ["#", "metric", "relay", "compared with", "ratio", "spread", "target", "met"];
  const rows = metrics.map((m) => [
    String(m.metric),
    m.name,
    `${show(m.value)} ${m.unit}`,
    m.baseline === null ? "-" : `${show(m.baseline)} ${m.unit} (${m.baselineName ?? "baseline"})`,
    show(m.ratio),
    m.spread ? `${show(m.spread.low)}..${show(m.spread.high)}` : "-",
    m.target ? m.target.text : "-",
    m.met === null ? "n/a" : m.met ? "yes" : "NO",
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (/** @type {string[]} */ cells) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ").trimEnd();
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}
