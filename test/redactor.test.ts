/** The Redactor: credential headers by name, known secret values wherever they appear in text. */
import { describe, expect, it } from "vitest";
import { credentialValues, isCredentialHeader, REDACTED, Redactor } from "../src/redact";

const CONTRACT_CREDENTIALS = ["authorization", "proxy-authorization", "x-api-key", "cookie", "set-cookie", "x-relay-token", "x-relay-admin-token"];

describe("credential headers", () => {
  it("are exactly the contract's, in any case", () => {
    for (const name of CONTRACT_CREDENTIALS) {
      expect(isCredentialHeader(name)).toBe(true);
      expect(isCredentialHeader(name.toUpperCase())).toBe(true);
    }
    for (const name of ["content-type", "x-request-id", "anthropic-version", "x-relay-request-id", "x-api-key-id"]) {
      expect(isCredentialHeader(name)).toBe(false);
    }
  });

  it("have their values replaced in a header map, other headers kept (scrubbed of secrets)", () => {
    const headers = new Headers({
      Authorization: "Bearer sk-secret-1",
      "Set-Cookie": "id=abc123; HttpOnly",
      "X-Api-Key": "sk-secret-2",
      "content-type": "application/json",
      "x-echo": "key was sk-secret-2",
    });
    expect(new Redactor(["sk-secret-2"]).headers(headers)).toEqual({
      authorization: REDACTED,
      "set-cookie": REDACTED,
      "x-api-key": REDACTED,
      "content-type": "application/json",
      "x-echo": `key was ${REDACTED}`,
    });
    expect(REDACTED).toBe("[redacted]");
  });
});

describe("credentialValues", () => {
  it("takes each credential header's value and the token after its scheme", () => {
    const headers = new Headers({ authorization: "Bearer sk-ant-oat-1", "x-api-key": "sk-ant-api-2", cookie: "a=1; b=2", accept: "text/plain" });
    const values = credentialValues(headers);
    expect(values).toEqual(expect.arrayContaining(["Bearer sk-ant-oat-1", "sk-ant-oat-1", "sk-ant-api-2", "a=1; b=2"]));
    expect(values).not.toContain("text/plain");
  });
});

describe("Redactor.text", () => {
  it("replaces every occurrence of every secret", () => {
    const redactor = new Redactor(["alpha-secret", "beta-secret"]);
    expect(redactor.text("alpha-secret and beta-secret, alpha-secret again")).toBe(`${REDACTED} and ${REDACTED}, ${REDACTED} again`);
  });

  it("replaces the longest secret first, so a secret containing another goes whole", () => {
    const redactor = new Redactor(["sk-123", "Bearer sk-123"]);
    expect(redactor.text("auth: Bearer sk-123; key: sk-123")).toBe(`auth: ${REDACTED}; key: ${REDACTED}`);
  });

  it("ignores unset, empty and very short values rather than shredding the text", () => {
    const redactor = new Redactor([undefined, "", "ab", "abc"]);
    expect(redactor.text("abc ab abcd")).toBe("abc ab abcd");
  });

  it("leaves text without secrets as it is", () => {
    expect(new Redactor(["nothing-here"]).text("héllo 🚀 world")).toBe("héllo 🚀 world");
  });
});
