// @ts-check
/**
 * The baseline proxy with one Durable Object hop (bench/baseline/do-hop.toml): the entry Worker hands the request
 * to the object named by `x-session-affinity` and returns its response as is; the object fetches the upstream and
 * returns its response as is. No auth, no state, no journal, no JS on the body path.
 */

/**
 * @typedef {{ fetch: (request: Request) => Promise<Response> }} Stub
 * @typedef {{ idFromName: (name: string) => unknown, newUniqueId: () => unknown, get: (id: unknown) => Stub }} Namespace
 * @typedef {{ UPSTREAM_URL: string, HOP: Namespace }} Env
 */

export class Hop {
  /** @param {unknown} state @param {Env} env */
  constructor(state, env) {
    this.env = env;
  }

  /** @param {Request} request */
  async fetch(request) {
    const url = new URL(request.url);
    return fetch(this.env.UPSTREAM_URL + url.pathname + url.search, request);
  }
}

export default {
  /** @param {Request} request @param {Env} env */
  async fetch(request, env) {
    const key = request.headers.get("x-session-affinity");
    const id = key ? env.HOP.idFromName(key) : env.HOP.newUniqueId();
    return env.HOP.get(id).fetch(request);
  },
};
