// Benchmark and quality report of `kopt diagnose`:
//
//   npm run bench:diagnosis
//
// 1. Quality: the classifier over the labeled corpus (test/fixtures/diagnosis): per-class precision and recall,
//    the confusion matrix, findings on healthy scenarios, and every miss. Targets: precision >= 0.95, recall
//    >= 0.90, no finding on a healthy scenario.
// 2. Speed, through the same edge `kopt diagnose` uses (load and check the file, redact and bound the input,
//    classify): one workload of the embedded demo cluster, as `kopt diagnose --cluster demo --workload
//    todo/search` does (target < 2 s); and the 10,000-pod `bench:snapshot` cluster with a few hundred failing
//    pods, whole (target < 10 s). One workload of that large file is printed too: nearly all of it is reading
//    the 10,000-pod file, which a diagnosis of one workload on a live cluster does not do.
// Exits 1 when a target is missed.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { diagnose } from "../../src/analyze/diagnose/diagnose.ts";
import { diagnoseInputOf } from "../../src/observe/diagnose-input.ts";
import { loadSnapshot } from "../../src/observe/snapshot.ts";
import { usageFromSnapshot } from "../../src/observe/usage-series.ts";
import { loadCorpus } from "./diagnosis/corpus.ts";
import { failingCluster } from "./diagnosis/failing-cluster.ts";
import { missedTargets, runCorpus } from "./diagnosis/run-corpus.ts";
import { formatScore } from "./diagnosis/score.ts";

const DEMO_SNAPSHOT = "clusters/demo/snapshot.json.gz";
const DEMO_WORKLOAD = { namespace: "todo", name: "search" };

const TIME_TARGETS = { workloadSeconds: 2, clusterSeconds: 10 };

async function timed<T>(run: () => Promise<T> | T): Promise<{ value: T; seconds: number }> {
  const start = performance.now();
  const value = await run();
  return { value, seconds: (performance.now() - start) / 1000 };
}

async function main(): Promise<number> {
  const cpu = cpus();
  console.log(`kopt diagnose benchmark — npm run bench:diagnosis`);
  console.log(`machine: ${cpu[0]?.model.trim() ?? "?"}, ${cpu.length} cores, Node ${process.version}\n`);

  const corpus = loadCorpus();
  const score = runCorpus(corpus);
  console.log(`== quality: ${corpus.length} labeled scenarios (test/fixtures/diagnosis)\n`);
  console.log(formatScore(score));
  const missed = missedTargets(score);

  const cluster = failingCluster();
  const dir = mkdtempSync(join(tmpdir(), "kopt-bench-diagnose-"));
  const file = join(dir, "bench.json.gz");
  const gz = gzipSync(JSON.stringify(cluster.snapshot));
  writeFileSync(file, gz);
  try {
    // Each run loads the file afresh, as `kopt diagnose --snapshot FILE [--workload NS/NAME]` does.
    const run = async (from: string, workload?: { namespace: string; name: string }) => {
      const load = await timed(() => loadSnapshot(from));
      const snapshot = load.value;
      const diag = await timed(() =>
        diagnose(
          diagnoseInputOf({
            snapshot,
            usage: usageFromSnapshot(snapshot.usage),
            logsReadable: snapshot.logs !== undefined,
            now: Date.parse(snapshot.capturedAt) / 1000,
            ...(workload ? { workload } : {}),
          }),
        ),
      );
      return {
        seconds: load.seconds + diag.seconds,
        load: load.seconds,
        diagnose: diag.seconds,
        value: diag.value,
      };
    };
    const one = await run(DEMO_SNAPSHOT, DEMO_WORKLOAD);
    const oneOfLarge = await run(file, cluster.sample);
    const all = await run(file);
    const parts = (r: { load: number; diagnose: number }) =>
      `load ${r.load.toFixed(2)} s + diagnose ${r.diagnose.toFixed(2)} s`;
    console.log(
      `\n== speed: ${cluster.pods} pods, ${cluster.failingPods} failing; snapshot ${(gz.length / 2 ** 20).toFixed(1)} MiB gzipped`,
    );
    console.log(
      `one workload of the demo cluster (${DEMO_SNAPSHOT}, todo/search): ${one.seconds.toFixed(2)} s wall (${parts(one)}; target < ${TIME_TARGETS.workloadSeconds} s), ${one.value.findings.length} findings`,
    );
    console.log(
      `one workload of the large cluster (${cluster.sample.namespace}/${cluster.sample.name}): ${oneOfLarge.seconds.toFixed(2)} s wall (${parts(oneOfLarge)}; no target: reading the 10,000-pod file is most of it), ${oneOfLarge.value.findings.length} findings`,
    );
    console.log(
      `whole cluster: ${all.seconds.toFixed(2)} s wall (${parts(all)}; target < ${TIME_TARGETS.clusterSeconds} s), ${all.value.findings.length} findings, ${all.value.incidents.length} incidents`,
    );
    if (one.seconds >= TIME_TARGETS.workloadSeconds)
      missed.push(
        `one workload took ${one.seconds.toFixed(2)} s (target < ${TIME_TARGETS.workloadSeconds} s)`,
      );
    if (all.seconds >= TIME_TARGETS.clusterSeconds)
      missed.push(
        `the whole cluster took ${all.seconds.toFixed(2)} s (target < ${TIME_TARGETS.clusterSeconds} s)`,
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    missed.length === 0
      ? "\nall targets met"
      : `\ntargets missed:\n${missed.map((m) => `  - ${m}`).join("\n")}`,
  );
  return missed.length === 0 ? 0 : 1;
}

process.exitCode = await main();
