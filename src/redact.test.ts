import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { REDACTED, Redactor } from "./redact.ts";

const fresh = (...secrets: string[]) => {
  const r = new Redactor();
  for (const s of secrets) r.register(s);
  return r;
};

describe("registered secrets", () => {
  it("are replaced wherever they appear, as is, URL-encoded and JSON-escaped", () => {
    const secret = 'p@ss word/"quoted"+1';
    const r = fresh(secret);
    expect(r.redact(`as is: ${secret}`)).toBe(`as is: ${REDACTED}`);
    expect(r.redact(`url: ?q=${encodeURIComponent(secret)}`)).not.toContain(encodeURIComponent(secret));
    expect(r.redact(JSON.stringify({ echo: secret }))).toBe(`{"echo":"${REDACTED}"}`);
  });

  it("a basic-auth pair: the password and the header's base64 of user:password", () => {
    const r = new Redactor();
    r.registerBasicAuth("kopt", "hunter2hunter2");
    const b64 = Buffer.from("kopt:hunter2hunter2").toString("base64");
    expect(r.redact(`got hunter2hunter2 and ${b64}`)).toBe(`got ${REDACTED} and ${REDACTED}`);
  });

  it("too short to search for: left alone, so a 3-letter password does not blank out words", () => {
    expect(fresh("abc").redact("abc is the start of the alphabet")).toBe("abc is the start of the alphabet");
  });

  it("a copy with more secrets leaves the original as it was", () => {
    const base = fresh("first-secret-1");
    const copy = base.with(["second-secret-2"]);
    expect(copy.redact("first-secret-1 second-secret-2")).toBe(`${REDACTED} ${REDACTED}`);
    expect(base.redact("first-secret-1 second-secret-2")).toBe(`${REDACTED} second-secret-2`);
  });
});

describe("credential shapes, registered or not", () => {
  const r = new Redactor();
  const cases: [string, string, string][] = [
    ["GitHub PAT", "token ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8", `token ghp_${REDACTED}`],
    ["App installation token", "auth ghs_16C7e42F292c6912E7710c838347Ae178B4a", `auth ghs_${REDACTED}`],
    ["fine-grained PAT", "github_pat_11ABCDEFG0123456789_abcdefghijklmnop", `github_pat_${REDACTED}`],
    ["Bearer", "Authorization was Bearer promtok-7f3a9c", `Authorization was Bearer ${REDACTED}`],
    [
      "an Authorization header",
      "header Authorization: Bearer abc.def-123 seen",
      `header Authorization: ${REDACTED} seen`,
    ],
    [
      "Basic credentials",
      `Basic ${Buffer.from("u:pw").toString("base64")} rejected`,
      `Basic ${REDACTED} rejected`,
    ],
    [
      "URL userinfo",
      "GET https://kopt:s3cr3t@prom.example.com/api",
      `GET https://${REDACTED}@prom.example.com/api`,
    ],
    ["malformed URL userinfo", "htp://u:pw@127.0.0.1:9/", `htp://${REDACTED}@127.0.0.1:9/`],
    [
      "query token",
      "http://h:9/api?access_token=abc123&step=300",
      `http://h:9/api?access_token=${REDACTED}&step=300`,
    ],
    ["query sig", "https://b.blob/x?sv=2020&sig=AbC%2Bd", `https://b.blob/x?sv=2020&sig=${REDACTED}`],
    ["X-Amz-Signature", "?X-Amz-Signature=deadbeef01", `?X-Amz-Signature=${REDACTED}`],
    ["api_key", "api_key=K-123 retry", `api_key=${REDACTED} retry`],
    ["env assignment in a log", "boot: DB_PASSWORD=hunter2 ok", `boot: DB_PASSWORD=${REDACTED} ok`],
    ["a flag", "--client-secret=xyzzy", `--client-secret=${REDACTED}`],
    ["JSON field", '{"user":"a","password":"p\\"w"}', `{"user":"a","password":"${REDACTED}"}`],
    ["JWT", "jwt eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiI0MjQyIn0.c2lnbmF0dXJlLWJ5dGVz end", `jwt ${REDACTED} end`],
    ["AWS key id", "AKIAIOSFODNN7EXAMPLE used", `AKIA${REDACTED} used`],
  ];
  for (const [what, text, expected] of cases) {
    it(what, () => expect(r.redact(text)).toBe(expected));
  }

  it("a private key, whole, and one cut off in a log", () => {
    const pem = generateKeyPairSync("ec", { namedCurve: "P-256" })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    const body = pem.split("\n")[1] as string;
    const whole = r.redact(`key:\n${pem}after`);
    expect(whole).not.toContain(body);
    expect(whole).toContain("after");
    expect(r.redact(`cut: ${pem.slice(0, 60)}`)).not.toContain(body.slice(0, 30));
  });

  it("is idempotent", () => {
    for (const [, text] of cases) expect(r.redact(r.redact(text))).toBe(r.redact(text));
  });
});

describe("what is not a credential stays as it is", () => {
  const r = new Redactor();
  const plain = [
    "Basic authentication is not configured",
    "check source.prometheus credentials (bearerTokenFile/Env, basicAuth)",
    "Bearer tokens expire",
    'sum by (namespace, pod, container) (rate(container_cpu_usage_seconds_total{namespace="shop", container!=""}[300s]))',
    "no GitHub token: the environment variable GITHUB_TOKEN is not set",
    "monkey=1 keyboard=2",
    "kopt.dev/ignore",
    "2026-11-20T12:00:00Z",
    "todo/backend-6d5f8b7c9d-x2x9q/backend",
    "Margin = this x the relative error of the hourly level",
    "http://127.0.0.1:9090/api/v1/query_range?query=up&start=1&end=2&step=300",
  ];
  for (const text of plain) it(text, () => expect(r.redact(text)).toBe(text));
});

describe("text that is JSON", () => {
  it("stays valid JSON, with the quoted values gone", () => {
    const json = JSON.stringify({ w: "login password=\"abc 1\" then token=xyz9 and api_key='k 2'" });
    const out = new Redactor().redact(json);
    const parsed = JSON.parse(out) as { w: string };
    expect(parsed.w).toBe(`login password=${REDACTED} then token=${REDACTED} and api_key=${REDACTED}`);
  });
});

it("an Authorization header inside a JSON string: still valid JSON", () => {
  const json = JSON.stringify({ echo: 'Authorization: Bearer abc-123"quoted' });
  expect(JSON.parse(new Redactor().redact(json))).toEqual({ echo: `Authorization: ${REDACTED}"quoted` });
});
