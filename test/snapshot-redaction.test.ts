// `kopt snapshot` records no secret: against the Kubernetes API simulator serving the demo with secrets
// planted where real clusters keep them (literal env values, annotations, last-applied-configuration, args,
// an Event, current and previous logs) and a Prometheus reached with a token in its URL, the file holds none
// of them, is readable by its owner only, and gives the same recommendations as the unredacted recording.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterSnapshot } from "../src/formats/snapshot.ts";
import { KOPT_RBAC_RULES } from "../src/observe/kube/rbac.ts";
import { REDACTED } from "../src/redact.ts";
import { type EchoPrometheus, echoPrometheus } from "./support/echo-prometheus.ts";
import { type KubeSim, startKubeSim } from "./support/kube-sim/index.ts";
import { ENV_SECRET, LOG_SECRET, plantedLogs, plantSecrets } from "./support/planted-secrets.ts";
import { demoRepo, git, koptAt, PROJECT_ROOT, type TempRepo } from "./support/repo.ts";

const KUBE_TOKEN = "kube-sim-token-0c4e8a2f6b";
const QUERY_TOKEN = "snapshot-qtok-5e1d7c3a";

const DEMO: ClusterSnapshot = JSON.parse(
  gunzipSync(readFileSync(join(PROJECT_ROOT, "clusters/demo/snapshot.json.gz"))).toString("utf8"),
);
const NOW = new Date(DEMO.capturedAt);

/** How often `needle` occurs in `text`. */
const count = (text: string, needle: string) => text.split(needle).length - 1;

describe("kopt snapshot of a cluster with secrets", () => {
  let sim: KubeSim;
  let prom: EchoPrometheus;
  let repo: TempRepo;
  let out: string;

  beforeAll(async () => {
    sim = await startKubeSim({
      objects: plantSecrets(DEMO.objects.items as Record<string, unknown>[]),
      logs: plantedLogs(DEMO),
      rbac: [...KOPT_RBAC_RULES],
      token: KUBE_TOKEN,
    });
    prom = await echoPrometheus(DEMO.usage);
    out = mkdtempSync(join(tmpdir(), "kopt-snapshots-"));
    repo = demoRepo();
    mkdirSync(join(repo.dir, "clusters/live"));
    writeFileSync(
      join(repo.dir, "clusters/live/kopt.yaml"),
      `apiVersion: kopt.dev/v1alpha1\nkind: ClusterConfig\ncluster: live\nsource:\n  kubernetes:\n    kubeconfig: ${sim.writeKubeconfig(out)}\n  prometheus:\n    url: ${prom.url}/?access_token=${QUERY_TOKEN}\n    retries: 0\n`,
    );
    git(repo.dir, "add", "-A");
    git(repo.dir, "commit", "-q", "-m", "live cluster with secrets");
  });

  afterAll(async () => {
    await sim?.stop();
    await prom?.close();
    repo?.cleanup();
    rmSync(out, { recursive: true, force: true });
  });

  const snapshot = (file: string, ...flags: string[]) =>
    koptAt(NOW, "--repo", repo.dir, "snapshot", "--cluster", "live", "--out", join(out, file), ...flags);
  const contents = (file: string) => gunzipSync(readFileSync(join(out, file))).toString("utf8");
  const mode = (file: string) => statSync(join(out, file)).mode & 0o777;

  it("by default: none of the planted secrets, nor the tokens kopt used, and mode 0600", async () => {
    const r = await snapshot("redacted.json.gz");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/redacted \d+ env value\(s\), \d+ annotation\(s\), secrets in 2 log\(s\)/);
    const text = contents("redacted.json.gz");
    for (const secret of [ENV_SECRET, LOG_SECRET, KUBE_TOKEN, QUERY_TOKEN])
      expect(count(text, secret)).toBe(0);
    expect(count(text, REDACTED)).toBeGreaterThan(20);
    // What was recorded is still there: the logs, the usage and where it came from.
    const snap = JSON.parse(text) as ClusterSnapshot;
    expect(Object.keys(snap.previousLogs ?? {})).toHaveLength(1);
    // Format 2: usage.cpu is a list of columnar series.
    expect((snap as { version?: number }).version).toBe(2);
    expect((snap.usage.cpu as unknown as unknown[]).length).toBeGreaterThan(0);
    expect(snap.usage.source?.url).toBe(`${prom.url}/?access_token=${REDACTED}`);
    expect(mode("redacted.json.gz")).toBe(0o600);
    expect(r.stdout + r.stderr).not.toContain(ENV_SECRET);
  });

  it("--no-redact keeps them, says so on stderr, and still writes mode 0600", async () => {
    const r = await snapshot("verbatim.json.gz", "--no-redact");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      "kopt: warning: --no-redact: the snapshot holds env values, annotations and log",
    );
    expect(r.stdout).toContain("redacted nothing (--no-redact)");
    const text = contents("verbatim.json.gz");
    // The Deployment, its ReplicaSets and Pods, the last-applied-configuration, args, annotations, logs.
    expect(count(text, ENV_SECRET)).toBeGreaterThan(20);
    expect(count(text, LOG_SECRET)).toBe(3);
    expect(mode("verbatim.json.gz")).toBe(0o600);
  });

  it("--redact-all-env: every literal env value, whatever its name", async () => {
    const r = await snapshot("all-env.json.gz", "--redact-all-env");
    expect(r.code).toBe(0);
    const snap = JSON.parse(contents("all-env.json.gz")) as ClusterSnapshot;
    const values = snap.objects.items.flatMap((o) => {
      const spec = (
        o.kind === "Pod" ? o.spec : (o.spec as { template?: { spec?: unknown } })?.template?.spec
      ) as { containers?: { env?: { value?: string }[] }[] } | undefined;
      return (spec?.containers ?? []).flatMap((c) => (c.env ?? []).map((e) => e.value));
    });
    expect(values.filter((v) => v !== undefined).length).toBeGreaterThan(10);
    expect(values.filter((v) => v !== undefined && v !== REDACTED)).toEqual([]);
  });

  it("recommend gives the same answers on the redacted snapshot as on the verbatim one", async () => {
    const recommend = async (file: string) => {
      const r = await koptAt(NOW, "recommend", "--snapshot", join(out, file), "--output", "json");
      expect(r.code).toBe(0);
      const { source: _source, ...rest } = JSON.parse(r.stdout) as Record<string, unknown>;
      return rest as { recommendations: unknown[] };
    };
    const redacted = await recommend("redacted.json.gz");
    expect(redacted.recommendations.length).toBeGreaterThan(3);
    expect(redacted).toEqual(await recommend("verbatim.json.gz"));
  });
});
