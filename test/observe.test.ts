// The observe step's one entry, observeCluster: which source wins, and that Prometheus secrets named by
// *Env come from the environment the caller passes (process.env only at the CLI), never read deep inside.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadClusterConfig } from "../src/config/load.ts";
import { KoptError } from "../src/errors.ts";
import type { ClusterSnapshot } from "../src/formats/snapshot.ts";
import { observeCluster } from "../src/observe/observe.ts";
import { type EchoPrometheus, echoPrometheus } from "./support/echo-prometheus.ts";
import { demoRepo, PROJECT_ROOT, type TempRepo } from "./support/repo.ts";

const DEMO_FILE = join(PROJECT_ROOT, "clusters/demo/snapshot.json.gz");
const DEMO: ClusterSnapshot = JSON.parse(gunzipSync(readFileSync(DEMO_FILE)).toString("utf8"));
const VARIABLE = "KOPT_OBSERVE_TEST_TOKEN";

describe("observeCluster", () => {
  let prom: EchoPrometheus;
  let repo: TempRepo;

  beforeAll(async () => {
    prom = await echoPrometheus(DEMO.usage);
    repo = demoRepo();
    const file = join(repo.dir, "clusters", "demo-prometheus", "kopt.yaml");
    const config = readFileSync(file, "utf8").replace(
      "    step: 5m",
      `    bearerTokenEnv: ${VARIABLE}\n    retries: 0\n    step: 5m`,
    );
    writeFileSync(file, config);
  });

  afterAll(async () => {
    await prom?.close();
    repo?.cleanup();
  });

  it("reads a *Env secret from the environment it is given, not from process.env", async () => {
    const loaded = await loadClusterConfig(repo.dir, "demo-prometheus");
    process.env[VARIABLE] = "token-of-the-process";
    try {
      const before = prom.requests.length;
      const obs = await observeCluster(
        { root: repo.dir, loaded },
        { prometheusUrl: prom.url, env: { [VARIABLE]: "token-given-to-observe" } },
      );
      const sent = prom.requests.slice(before);
      expect(sent.length).toBeGreaterThan(0);
      expect(new Set(sent.map((r) => r.authorization))).toEqual(new Set(["Bearer token-given-to-observe"]));
      expect(obs.source).toBe(
        `snapshot:${join(repo.dir, "clusters/demo-prometheus/objects.json.gz")} + prometheus:${prom.url}`,
      );
      expect(obs.usage.containers.length).toBeGreaterThan(0);

      // The variable is set in the process, but not in the environment given: a config error, no request.
      const after = prom.requests.length;
      const err = await observeCluster(
        { root: repo.dir, loaded },
        { prometheusUrl: prom.url, env: {} },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KoptError);
      expect((err as KoptError).message).toBe(`environment variable ${VARIABLE} is not set`);
      expect(prom.requests.length).toBe(after);
    } finally {
      delete process.env[VARIABLE];
    }
  });

  it("a --snapshot file wins over the config's source: no Prometheus, no environment needed", async () => {
    const loaded = await loadClusterConfig(repo.dir, "demo");
    const before = prom.requests.length;
    const obs = await observeCluster({ root: repo.dir, loaded }, { snapshot: DEMO_FILE, env: {} });
    expect(obs.source).toBe(`snapshot:${DEMO_FILE}`);
    expect(obs.snapshotFile).toBe(DEMO_FILE);
    expect(obs.state.cluster).toBe("demo");
    expect(obs.warnings).toEqual([]);
    expect(prom.requests.length).toBe(before);
  });

  it("--prometheus-url with --snapshot is a usage error, before anything is read", async () => {
    const err = await observeCluster(
      { root: undefined, loaded: undefined },
      { snapshot: join(repo.dir, "missing.json"), prometheusUrl: prom.url, env: {} },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KoptError);
    expect((err as KoptError).message).toBe(
      "--prometheus-url has no effect with --snapshot: the snapshot file holds its usage history",
    );
  });
});
