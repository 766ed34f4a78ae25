// @ts-check
/**
 * A wrangler dev's workerd processes, read from /proc (Linux): their resident memory and CPU time. wrangler dev
 * runs two workerd processes in its process group: a proxy that owns the listening port
 * (`--socket-addr=entry=127.0.0.1:<port>`) and the runtime that runs the Worker and its Durable Objects (the one
 * with an inspector address, holding the state dir's files open). CPU time per unit of work is far less
 * sensitive to a busy machine than wall time, so the metrics report it beside their timings.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** @typedef {{ pid: number, role: "runtime" | "proxy", args: string }} WorkerdProcess */

/** @param {number} pid @returns {{ pgrp: number, comm: string } | null} */
function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm is in parentheses and may hold spaces; the fields after the last ")" are positional.
    const close = text.lastIndexOf(")");
    const comm = text.slice(text.indexOf("(") + 1, close);
    const fields = text.slice(close + 2).split(" ");
    return { pgrp: Number(fields[2]), comm };
  } catch {
    return null;
  }
}

/**
 * The workerd processes of the process group `groupId` (the wrangler dev started by tools/local-relay.js).
 * @param {number} groupId @param {number} listenPort @returns {WorkerdProcess[]}
 */
export function findWorkerd(groupId, listenPort) {
  /** @type {WorkerdProcess[]} */
  const found = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const info = stat(pid);
    if (!info || info.pgrp !== groupId || info.comm !== "workerd") continue;
    let args = "";
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
    } catch {
      continue;
    }
    const proxy = args.includes(`entry=127.0.0.1:${listenPort} `) || args.endsWith(`entry=127.0.0.1:${listenPort}`);
    found.push({ pid, role: proxy ? "proxy" : "runtime", args });
  }
  return found;
}

/** VmRSS in bytes, or NaN when the process is gone. @param {number} pid */
export function rssBytes(pid) {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * Samples the RSS of `pids` every `everyMs` until stopped.
 * @param {number[]} pids @param {number} everyMs
 * @returns {{ stop: () => Record<number, number[]> }}
 */
export function sampleRss(pids, everyMs) {
  /** @type {Record<number, number[]>} */
  const samples = {};
  for (const pid of pids) samples[pid] = [];
  const take = () => {
    for (const pid of pids) samples[pid]?.push(rssBytes(pid));
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

/** CPU time (user + system) a process has used so far, in milliseconds; NaN when it is gone. @param {number} pid */
export function cpuMs(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (USER_HZ, 100 on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** @typedef {{ runtime: number, proxy: number }} ByRole */

/**
 * CPU used by a target's workerd processes over a phase of a metric: everything they did in it, background
 * work included, divided by the units of work (requests, MB) the phase asked of them.
 */
export class CpuAccount {
  /** @type {WorkerdProcess[]} */
  #processes;
  /** @type {number[]} */
  #start;

  /** @param {{ pid: number | null, port: number }} target */
  constructor(target) {
    this.#processes = target.pid === null ? [] : findWorkerd(target.pid, target.port);
    this.#start = this.#processes.map((p) => cpuMs(p.pid));
  }

  /** CPU ms per unit, by process role, since construction. @param {number} units @returns {ByRole} */
  perUnit(units) {
    /** @type {ByRole} */
    const used = { runtime: 0, proxy: 0 };
    this.#processes.forEach((p, index) => {
      used[p.role] += cpuMs(p.pid) - (this.#start[index] ?? 0);
    });
    return { runtime: used.runtime / units, proxy: used.proxy / units };
  }
}

/** The TCP ports a process listens on on 127.0.0.1 (from /proc/net/tcp, matched by socket inode). @param {number} pid */
export function listeningPorts(pid) {
  /** @type {Set<string>} */
  const inodes = new Set();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (match?.[1]) inodes.add(match[1]);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return [];
  }
  /** @type {number[]} */
  const ports = [];
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    // local_address is "0100007F:PORT" for 127.0.0.1; state 0A is LISTEN; field 9 is the inode.
    if (fields[1]?.startsWith("0100007F:") && fields[3] === "0A" && inodes.has(fields[9] ?? "")) {
      ports.push(Number.parseInt(fields[1].slice(9), 16));
    }
  }
  return ports;
}

/** Open file descriptors of a process (-1 when it is gone). @param {number} pid */
export function openFds(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return -1;
  }
}
