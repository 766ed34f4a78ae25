/**
 * Faults injected into a session object from the outside: its env swapped (the object reads its bindings from
 * `this.env` at each use), and KV bindings whose writes fail or are slow.
 */
import { runInDurableObject } from "cloudflare:test";
import { sessionStub } from "./journal";

/**
 * Replaces session `key`'s env with `change(original)` inside its object; returns a function that puts the
 * original back. The object must stay alive in between (it does within a test: nothing evicts it).
 */
export async function swapObjectEnv(key: string, change: (original: Env) => Env): Promise<() => Promise<void>> {
  const stub = sessionStub(key);
  const original = await runInDurableObject(stub, (instance) => {
    const current: unknown = Reflect.get(instance, "env");
    if (typeof current !== "object" || current === null) throw new Error("the object has no env");
    // SAFETY: a DurableObject's `env` is the Env it was constructed with.
    const before = current as Env;
    Object.defineProperty(instance, "env", { value: change(before), configurable: true, writable: true });
    return before;
  });
  return async () => {
    await runInDurableObject(stub, (instance) => {
      Object.defineProperty(instance, "env", { value: original, configurable: true, writable: true });
    });
  };
}

export interface FailingKv {
  kv: KVNamespace;
  /** How many writes were refused. */
  refused(): number;
}

/** RELAY_STATE whose writes all fail (reads and lists still work), as in a KV outage. */
export function failingKv(real: KVNamespace): FailingKv {
  let refused = 0;
  const put = (): Promise<never> => {
    refused += 1;
    return Promise.reject(new Error("injected KV outage"));
  };
  const kv = new Proxy(real, {
    get(target, property) {
      if (property === "put") return put;
      const value: unknown = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv, refused: () => refused };
}

/** RELAY_STATE whose writes succeed only after `delayMs` (a slow KV), counting the writes started. */
export function slowKv(real: KVNamespace, delayMs: number): { kv: KVNamespace; started(): number } {
  let started = 0;
  const kv = new Proxy(real, {
    get(target, property) {
      if (property === "put") {
        return async (...args: Parameters<KVNamespace["put"]>): Promise<void> => {
          started += 1;
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          await target.put(...args);
        };
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv, started: () => started };
}
