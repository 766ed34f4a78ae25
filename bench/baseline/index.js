// @ts-check
/**
 * The benchmarks' baseline Worker: forwards every request to UPSTREAM_URL + path + query, as is, and returns the
 * upstream's response as is. What any Worker proxy costs under `wrangler dev`; the relay is measured against it.
 */
export default {
  /**
   * @param {Request} request
   * @param {{ UPSTREAM_URL: string }} env
   * @returns {Promise<Response>}
   */
  async fetch(request, env) {
    const url = new URL(request.url);
    return fetch(env.UPSTREAM_URL + url.pathname + url.search, request);
  },
};
