/**
 * What must never be stored or logged: credential headers (by name) and known secret values (wherever they
 * appear: a body that echoes an API key, a URL with a token in it). Everything the journal writes passes here.
 */
export const REDACTED = "[redacted]";

const CREDENTIAL_HEADERS = new Set([
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "cookie",
  "set-cookie",
  "x-relay-token",
  "x-relay-admin-token",
]);

/** Shorter values are not scrubbed from free text: replacing every "ab" would destroy a record, not protect it. */
const MIN_SCRUBBED_LENGTH = 4;

export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_HEADERS.has(name.toLowerCase());
}

/**
 * The secret values a request carries: each credential header's value, and the token after its scheme
 * (`Bearer sk-...` also yields `sk-...`), so that either form is scrubbed where it shows up.
 */
export function credentialValues(headers: Headers): string[] {
  const values: string[] = [];
  for (const [name, value] of headers) {
    if (!isCredentialHeader(name)) continue;
    values.push(value);
    const space = value.indexOf(" ");
    if (space !== -1) values.push(value.slice(space + 1).trim());
    // Each cookie's value on its own, in case an upstream echoes one of them.
    if (name === "cookie") for (const pair of value.split(";")) values.push(pair.slice(pair.indexOf("=") + 1).trim());
  }
  return values;
}

export class Redactor {
  readonly #secrets: string[];

  constructor(secrets: Iterable<string | undefined>) {
    const kept = new Set<string>();
    for (const secret of secrets) if (secret && secret.length >= MIN_SCRUBBED_LENGTH) kept.add(secret);
    // Longest first, so a secret that contains another is replaced whole.
    this.#secrets = [...kept].sort((a, b) => b.length - a.length);
  }

  /**
   * Scrubs every known secret. `cut`: the text was cut off at its end (a preview), so the start of a secret
   * that the cut went through is scrubbed too: part of a key is still a leak.
   */
  text(value: string, options: { cut?: boolean } = {}): string {
    let out = value;
    for (const secret of this.#secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    if (options.cut) out = this.#scrubCutTail(out);
    return out;
  }

  #scrubCutTail(value: string): string {
    for (const secret of this.#secrets) {
      for (let length = Math.min(secret.length - 1, value.length); length >= MIN_SCRUBBED_LENGTH; length -= 1) {
        if (value.endsWith(secret.slice(0, length))) return value.slice(0, value.length - length) + REDACTED;
      }
    }
    return value;
  }

  headers(headers: Headers): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of headers) out[name] = isCredentialHeader(name) ? REDACTED : this.text(value);
    return out;
  }
}
