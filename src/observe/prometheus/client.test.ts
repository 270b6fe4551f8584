import { describe, expect, it } from "vitest";
import { REDACTED, redact } from "../../redact.ts";
import { displayUrl, PrometheusClient } from "./client.ts";

const options = { timeoutMs: 1000, retries: 0 };

describe("PrometheusClient: the credentials it is given are known to the redactor", () => {
  it("the URL's password and credential parameters, the bearer token and credential headers", () => {
    new PrometheusClient({
      ...options,
      url: "http://alice:pw%2F12345678@prom:9090/?access_token=qtok-12345678&tenant=team-a",
      bearerToken: "bearer-12345678",
      headers: { "X-Api-Key": "apikey-12345678", "X-Scope-OrgID": "team-a-tenant" },
    });
    const echoed = "pw/12345678 qtok-12345678 bearer-12345678 apikey-12345678";
    expect(redact(echoed)).toBe([REDACTED, REDACTED, REDACTED, REDACTED].join(" "));
    // A tenant is no secret, nor a parameter that does not say it is one.
    expect(redact("team-a-tenant tenant=team-a")).toBe("team-a-tenant tenant=team-a");
  });

  it("a long userinfo without a password is taken for a token; a short one for a user's name", () => {
    new PrometheusClient({ ...options, url: "https://tok1234567890abcdef@prom:9090" });
    new PrometheusClient({ ...options, url: "https://grafana-user@prom:9090" });
    expect(redact("tok1234567890abcdef")).toBe(REDACTED);
    expect(redact("grafana-user")).toBe("grafana-user");
  });

  it("displayUrl keeps the URL's shape and parameters, without userinfo or credential values", () => {
    expect(displayUrl("https://u:p@prom:9090/prometheus/?access_token=abc&step=5m")).toBe(
      `https://prom:9090/prometheus/?access_token=${REDACTED}&step=5m`,
    );
  });
});
