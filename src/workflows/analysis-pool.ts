// Analysis of a large cluster's workloads split across worker threads (issue 19), one per core. Each worker
// gets a contiguous share of the workloads with their pods and usage, runs the same analyzeWorkloads as the
// serial path, and the shares' findings are put back together in the serial path's order, so the result is
// identical. Usage arrays are copied to the workers by structured clone, unless they live on a
// SharedArrayBuffer, which the workers then share without a copy.
//
// It is off by default (KOPT_ANALYSIS_WORKERS, see analysisWorkersFromEnv): on the 2-core machine it was
// measured on (test/bench/analysis-core.bench.ts --pool), starting the workers and copying the samples to
// them cost about as much as the second core saves, and the copies double the samples' memory meanwhile.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { analyzeWorkloads, type Findings } from "../analyze/findings.ts";
import type { LearnedFor } from "../analyze/outcomes.ts";
import { KoptError } from "../errors.ts";
import type { Policy } from "../model/policy.ts";
import type { ClusterState, ContainerUsage, HpaHistory, UsageHistory, Workload } from "../model/types.ts";
import { workloadKey } from "../model/types.ts";

export interface AnalysisJob {
  state: ClusterState;
  usage: UsageHistory;
  policy: Pick<Policy, "rightsize" | "oom" | "hpa">;
  learned: readonly LearnedFor[];
}

export type AnalysisReply = { findings: Findings } | { error: string };

export interface PoolOptions {
  /** Worker threads; 1 or less analyzes in this thread. Default: one per core. */
  workers?: number;
  /** Below this many workloads the analysis stays in this thread (workers cost more than they save). */
  threshold?: number;
}

/**
 * Below this many workloads a pool is not started even when asked for: on 2 cores, 2 workers took 2.2 s
 * against 2.9 s serial at 2,000 workloads, and 2.4 s against 1.4 s at 1,000 (with other work on the machine).
 */
export const DEFAULT_POOL_THRESHOLD = 1000;

/** analyzeWorkloads, split across worker threads when the cluster is large enough; the same findings. */
export async function analyzeWorkloadsPooled(
  state: ClusterState,
  usage: UsageHistory,
  policy: Pick<Policy, "rightsize" | "oom" | "hpa">,
  learned: readonly LearnedFor[] = [],
  options: PoolOptions = {},
): Promise<Findings> {
  const workers = Math.min(options.workers ?? availableParallelism(), state.workloads.length);
  if (workers <= 1 || state.workloads.length < (options.threshold ?? DEFAULT_POOL_THRESHOLD)) {
    return analyzeWorkloads(state, usage, policy, learned);
  }
  const jobs = splitWorkloads(state.workloads, workers).map((share) =>
    jobFor(share, state, usage, policy, learned),
  );
  return mergeFindings(await Promise.all(jobs.map(runJob)));
}

/** Contiguous shares of about equal size, in order. */
function splitWorkloads(workloads: readonly Workload[], parts: number): Workload[][] {
  const size = Math.ceil(workloads.length / parts);
  const shares: Workload[][] = [];
  for (let i = 0; i < workloads.length; i += size) shares.push(workloads.slice(i, i + size));
  return shares;
}

/** The part of the cluster a share's analysis reads: its workloads, their pods, usage and HPA history. */
function jobFor(
  share: readonly Workload[],
  state: ClusterState,
  usage: UsageHistory,
  policy: AnalysisJob["policy"],
  learned: readonly LearnedFor[],
): AnalysisJob {
  const keys = new Set(share.map((w) => workloadKey(w.ref)));
  const has = (ref: { namespace: string; kind: Workload["ref"]["kind"]; name: string } | null) =>
    ref !== null && keys.has(workloadKey(ref));
  return {
    state: { ...state, workloads: [...share], pods: state.pods.filter((p) => has(p.owner)) },
    usage: {
      containers: usage.containers.filter((c: ContainerUsage) => has(c.workload)),
      unattributed: [],
      ...(usage.hpa ? { hpa: usage.hpa.filter((h: HpaHistory) => has(h.workload)) } : {}),
    },
    policy: { rightsize: policy.rightsize, oom: policy.oom, hpa: policy.hpa },
    learned: learned.filter((l) => has(l.workload)),
  };
}

function runJob(job: AnalysisJob): Promise<Findings> {
  return new Promise((resolve, reject) => {
    const worker = startWorker();
    const done = (settle: () => void) => {
      void worker.terminate();
      settle();
    };
    worker.once("message", (reply: AnalysisReply) =>
      done(() =>
        "error" in reply
          ? reject(new Error(`analysis worker failed: ${reply.error}`))
          : resolve(reply.findings),
      ),
    );
    worker.once("error", (error) => done(() => reject(error)));
    worker.once("exit", (code) =>
      reject(new Error(`analysis worker exited with code ${code} before answering`)),
    );
    worker.postMessage(job);
  });
}

/**
 * The worker's entry beside this module: analysis-worker.js in the build (scripts/build.js makes it an entry
 * point of dist/cli/), analysis-worker.ts from the sources, which tsx's loader must then compile in the
 * worker too: bin/kopt.js registers tsx in its own thread only, so the worker registers it first.
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./analysis-worker.js", import.meta.url));
  const tsx = import.meta.resolve("tsx/esm/api");
  const entry = new URL("./analysis-worker.ts", import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true });
}

/**
 * The shares' findings in the serial path's order: right-sizing and OOM go workload by workload (the shares
 * are contiguous, so concatenation keeps it); the HPA analysis orders by workload key (a stable sort by it
 * keeps each workload's own order).
 */
function mergeFindings(parts: readonly Findings[]): Findings {
  const byKey = <T extends { workload: Workload["ref"] }>(items: T[]) =>
    items.sort((a, b) => compareKeys(workloadKey(a.workload), workloadKey(b.workload)));
  return {
    sized: {
      recommendations: parts.flatMap((p) => p.sized.recommendations),
      skipped: parts.flatMap((p) => p.sized.skipped),
    },
    oom: {
      recommendations: parts.flatMap((p) => p.oom.recommendations),
      skipped: parts.flatMap((p) => p.oom.skipped),
    },
    scaling: {
      recommendations: byKey(parts.flatMap((p) => p.scaling.recommendations)),
      skipped: byKey(parts.flatMap((p) => p.scaling.skipped)),
    },
  };
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The pool's size from KOPT_ANALYSIS_WORKERS: unset or "0"/"1": none (the default); "auto": one per core;
 * a number: that many. Anything else is an error that says what is accepted.
 */
export function analysisWorkersFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.KOPT_ANALYSIS_WORKERS?.trim();
  if (raw === undefined || raw === "") return 1;
  if (raw === "auto") return availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new KoptError("usage", `"${raw}" is not a number of workers`, {
      where: { field: "KOPT_ANALYSIS_WORKERS" },
      hint: 'set it to "auto" (one worker per core) or a whole number of workers (0 or 1: none), or unset it',
    });
  }
  return n;
}
