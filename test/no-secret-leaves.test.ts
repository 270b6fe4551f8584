// No secret ever leaves kopt: servers that echo the credentials kopt sends (a Prometheus reflecting the
// Authorization header and the query string in its errors and warnings, GitHub quoting the token in an error)
// and credentials in URLs given on the command line are scrubbed from everything kopt prints or writes —
// stdout, stderr, the JSON warnings, PHRs, pull-request drafts and bodies, commit messages.
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterSnapshot } from "../src/formats/snapshot.ts";
import { REDACTED } from "../src/redact.ts";
import type { PlanOutcome } from "../src/workflows/plan.ts";
import { type EchoPrometheus, echoPrometheus } from "./support/echo-prometheus.ts";
import type { Fault } from "./support/github-sim/index.ts";
import { USERS, type World, worldForTest } from "./support/github-world.ts";
import { demoRepo, git, kopt, PROJECT_ROOT, type RunResult, type TempRepo } from "./support/repo.ts";

const BEARER = "promtok-4b7d1e9a3c6f";
const QUERY_TOKEN = "qtok-8e2f5a1c9d7b";
const PASSWORD = "basic-pw-5c3e8a1f";
const MALFORMED_PASSWORD = "malformed-pw-2d9f4b7e";
const GITHUB_TOKEN = "plain-gh-token-7a5c3e1f9b";

const DEMO: ClusterSnapshot = JSON.parse(
  gunzipSync(readFileSync(join(PROJECT_ROOT, "clusters/demo/snapshot.json.gz"))).toString("utf8"),
);

/** Every secret of this file, and the forms a server echoes them in. */
const PLANTED = [
  BEARER,
  QUERY_TOKEN,
  PASSWORD,
  Buffer.from(`kopt:${PASSWORD}`).toString("base64"),
  MALFORMED_PASSWORD,
  GITHUB_TOKEN,
];

/** Each planted secret found, with a little of the text around it (the whole text would drown the report). */
function expectNoSecret(texts: readonly string[]): void {
  const hits: string[] = [];
  for (const text of texts) {
    for (const secret of PLANTED) {
      const at = text.indexOf(secret);
      if (at >= 0) hits.push(`${secret} in …${text.slice(Math.max(0, at - 80), at + secret.length + 40)}…`);
    }
  }
  expect(hits).toEqual([]);
}

/** Everything kopt wrote into a repository: every commit (message and patch) and the drafts. */
function written(dir: string): string[] {
  const drafts = join(dir, ".kopt", "pull-requests");
  let files: string[] = [];
  try {
    files = readdirSync(drafts).map((f) => readFileSync(join(drafts, f), "utf8"));
  } catch {
    // no drafts
  }
  return [git(dir, "log", "--all", "-p", "--format=%B"), ...files];
}

describe("a Prometheus that echoes the credentials it is sent", () => {
  let prom: EchoPrometheus;
  let repo: TempRepo;
  let secrets: string;
  const seen: string[] = [];
  const run = async (...args: string[]): Promise<RunResult> => {
    const r = await kopt("--repo", repo.dir, ...args);
    seen.push(r.stdout, r.stderr);
    return r;
  };
  const urlWithToken = () => `${prom.url}/?access_token=${QUERY_TOKEN}`;

  beforeAll(async () => {
    prom = await echoPrometheus(DEMO.usage);
    repo = demoRepo();
    const dir = join(repo.dir, "clusters", "demo-prometheus");
    // Secret files outside the repository, as they would be (a mounted secret): only kopt could leak them.
    secrets = mkdtempSync(join(tmpdir(), "kopt-secrets-"));
    writeFileSync(join(secrets, "prom-token"), `${BEARER}\n`);
    writeFileSync(join(secrets, "prom-password"), `${PASSWORD}\n`);
    const config = readFileSync(join(dir, "kopt.yaml"), "utf8").replace(
      "    step: 5m",
      `    bearerTokenFile: ${join(secrets, "prom-token")}\n    retries: 0\n    step: 5m`,
    );
    writeFileSync(join(dir, "kopt.yaml"), config);
    // The same cluster with basic auth instead of a token.
    const basic = join(repo.dir, "clusters", "demo-basic");
    mkdirSync(basic);
    const objects = JSON.parse(gunzipSync(readFileSync(join(dir, "objects.json.gz"))).toString("utf8"));
    writeFileSync(join(basic, "objects.json"), JSON.stringify({ ...objects, cluster: "demo-basic" }));
    writeFileSync(
      join(basic, "kopt.yaml"),
      config
        .replace("cluster: demo-prometheus", "cluster: demo-basic")
        .replace("clusters/demo-prometheus/objects.json.gz", "clusters/demo-basic/objects.json")
        .replace(
          `    bearerTokenFile: ${join(secrets, "prom-token")}\n`,
          `    basicAuth: { username: kopt, passwordFile: ${join(secrets, "prom-password")} }\n`,
        ),
    );
    git(repo.dir, "add", "-A");
    git(repo.dir, "commit", "-q", "-m", "prometheus with credentials");
  });

  afterAll(async () => {
    await prom?.close();
    repo?.cleanup();
    rmSync(secrets, { recursive: true, force: true });
    expectNoSecret(seen);
  });

  it("warnings that reflect the bearer token and the URL's access_token: kopt prints and writes neither", async () => {
    prom.setMode("warn");
    const r = await run(
      "plan",
      "--cluster",
      "demo-prometheus",
      "--prometheus-url",
      urlWithToken(),
      "--output",
      "json",
    );
    expect(r.code).toBe(0);
    // The secrets did go out, and came back in the warnings: what is checked below was really there to leak.
    expect(prom.requests.length).toBeGreaterThan(0);
    for (const req of prom.requests) {
      expect(req.authorization).toBe(`Bearer ${BEARER}`);
      expect(req.search).toContain(`access_token=${QUERY_TOKEN}`);
    }
    const out = JSON.parse(r.stdout) as PlanOutcome;
    expect(out.proposals.length).toBeGreaterThan(0);
    const echoed = out.warnings.filter((w) => w.includes("partial answer"));
    expect(echoed.length).toBeGreaterThan(0);
    expect(echoed.join("\n")).toContain(REDACTED);
    // The URL kopt names keeps its parameters, without the token's value.
    expect(echoed[0]).toContain(`Prometheus at ${prom.url}/?access_token=${REDACTED} warned:`);
    expect(r.stderr).toContain("kopt: warning: Prometheus at");
    expectNoSecret([r.stdout, r.stderr, ...written(repo.dir)]);
  });

  it("an API error that reflects them: the error on stderr holds neither", async () => {
    prom.setMode("error");
    const r = await run("recommend", "--cluster", "demo-prometheus", "--prometheus-url", urlWithToken());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("bad_data: refused Authorization:");
    expect(r.stderr).toContain(REDACTED);
    expectNoSecret([r.stdout, r.stderr]);
  });

  it("an HTML error page that reflects them, and basic auth: neither the password nor its base64", async () => {
    prom.setMode("html");
    const before = prom.requests.length;
    const r = await run("recommend", "--cluster", "demo-basic", "--prometheus-url", urlWithToken());
    expect(r.code).toBe(2);
    // Requests of the run before may still arrive (it stopped at the first error): look for this run's.
    expect(prom.requests.slice(before).map((q) => q.authorization)).toContain(
      `Basic ${Buffer.from(`kopt:${PASSWORD}`).toString("base64")}`,
    );
    expect(r.stderr).toContain("HTTP 502: <html><body>bad gateway: Authorization:");
    expectNoSecret([r.stdout, r.stderr]);
  });

  it("a malformed --prometheus-url with a password: refused without printing it", async () => {
    const r = await run(
      "recommend",
      "--cluster",
      "demo-prometheus",
      "--prometheus-url",
      `htp://kopt:${MALFORMED_PASSWORD}@127.0.0.1:9090/`,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--prometheus-url is not an http(s) URL: htp://${REDACTED}@127.0.0.1:9090/`);
    expectNoSecret([r.stdout, r.stderr]);
  });
});

describe("GitHub quoting the token in its errors", () => {
  const echo =
    (operationId: string): ((r: { operationId: string }) => Fault | undefined) =>
    (r) =>
      r.operationId === operationId ? { kind: "echo-credentials" } : undefined;

  it("a refusal while connecting: the error on stderr does not show the token", async () => {
    const w = await worldForTest({ sim: { token: GITHUB_TOKEN, faults: echo("repos/get") } });
    const r = await w.kopt(["plan", "--cluster", "demo"], { token: GITHUB_TOKEN });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `failed while reading repository acme/platform: Request refused for Authorization: ${REDACTED}`,
    );
    expect(r.stderr).toContain(`the token ${REDACTED} may not do this`);
    expectNoSecret([r.stdout, r.stderr]);
  });

  it("a refused reviewer request: the warning, on stderr and in the JSON, does not show the token", async () => {
    const w = await worldForTest({ sim: { token: GITHUB_TOKEN, faults: echo("pulls/request-reviewers") } });
    const r = await w.kopt(["plan", "--cluster", "demo", "--output", "json"], { token: GITHUB_TOKEN });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as PlanOutcome;
    const refused = out.warnings.filter((x) => x.includes("could not request reviews"));
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.join("\n")).toContain(`the token ${REDACTED} may not do this`);
    expect(r.stderr).toContain("could not request reviews");
    const bodies = w.sim.state.pulls.map((p) => `${p.title}\n${p.body}`);
    expectNoSecret([r.stdout, r.stderr, ...bodies, git(w.work, "log", "--all", "-p", "--format=%B")]);
  });
});

describe("GitHub quoting an App's credentials", () => {
  const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const privateKey = keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const app = {
    appId: 4242,
    installationId: 77,
    publicKeyPem: keys.publicKey.export({ type: "spki", format: "pem" }).toString(),
    login: "kopt[bot]",
  };
  const appWorld = (operationId: string) =>
    worldForTest({
      sim: {
        users: [...USERS, app.login],
        app,
        faults: (r) => (r.operationId === operationId ? { kind: "echo-credentials" } : undefined),
      },
      githubExtra: `    auth:\n      app:\n        appId: ${app.appId}\n        installationId: ${app.installationId}\n        privateKeyEnv: KOPT_APP_KEY\n`,
    });
  const env = { GITHUB_TOKEN: undefined, KOPT_APP_KEY: privateKey };
  /** The key's body, the JWT's signed header (`{"alg":"RS256"`) and every installation token issued. */
  const appSecrets = (w: World) => [
    ...privateKey.split("\n").slice(1, -2),
    "eyJhbGciOiJSUzI1NiI",
    ...w.sim.state.installationTokens.map((t) => t.token),
  ];

  it("the JWT echoed while connecting, and the installation token in a warning: neither is printed", async () => {
    const w = await appWorld("pulls/request-reviewers");
    const r = await w.kopt(["plan", "--cluster", "demo", "--workload", "todo/backend", "--output", "json"], {
      env,
    });
    expect(r.code).toBe(0);
    expect(w.sim.state.installationTokens.length).toBeGreaterThan(0);
    const out = JSON.parse(r.stdout) as PlanOutcome;
    expect(out.warnings.join("\n")).toContain(`the token ${REDACTED} may not do this`);
    const bodies = w.sim.state.pulls.map((p) => `${p.title}\n${p.body}`);
    for (const secret of appSecrets(w))
      for (const text of [r.stdout, r.stderr, ...bodies]) expect(text.includes(secret), secret).toBe(false);

    const jwt = await appWorld("apps/get-authenticated");
    const denied = await jwt.kopt(["plan", "--cluster", "demo"], { env });
    expect(denied.code).toBe(2);
    expect(denied.stderr).toContain(`Request refused for Authorization: ${REDACTED}`);
    for (const secret of appSecrets(jwt)) expect(denied.stderr.includes(secret), secret).toBe(false);
  });
});
