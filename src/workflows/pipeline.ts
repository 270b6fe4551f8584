// The one way through a run: observe -> analyze -> decide. `kopt recommend` and `kopt plan` both call it
// and differ only in what they do with the result (print it; turn the proposals into branches and PRs),
// so they can never disagree about a workload. The policy is built once here, from kopt.yaml or its defaults.
import { analyzeCapacity, type CapacityFinding } from "../analyze/capacity.ts";
import { diagnose } from "../analyze/diagnose/diagnose.ts";
import { analyzeWorkloads, type Findings } from "../analyze/findings.ts";
import { type LearnedFor, learnFromOutcomes, type PastProposal } from "../analyze/outcomes.ts";
import { checkMappedWorkloads, type LoadedConfig } from "../config/load.ts";
import { decide, type RunDecision } from "../decide/decide.ts";
import type { RecentChange } from "../decide/guardrails.ts";
import { policyFromConfig } from "../formats/config.ts";
import type { Diagnosis, Finding } from "../model/finding.ts";
import type { Policy } from "../model/policy.ts";
import type { ClusterState, UsageHistory } from "../model/types.ts";
import { diagnoseInputOf } from "../observe/diagnose-input.ts";
import { type ObservationMemo, redactedObjects } from "../observe/object-memo.ts";
import { type Observation, observeCluster, selectWorkload } from "../observe/observe.ts";

export interface PipelineInput {
  /** Repository root; undefined for a bare --snapshot outside a repository. */
  root: string | undefined;
  /** The --snapshot flag. */
  snapshot?: string;
  /** The cluster's kopt.yaml; undefined means the default policy and no values mappings. */
  loaded: LoadedConfig | undefined;
  /** The --workload flag: narrows findings and proposals (capacity stays the whole cluster's). */
  workload?: string;
  /** When the run happens (the live sources read up to it); default now. */
  now?: Date;
  /** Overrides source.prometheus.url. */
  prometheusUrl?: string;
  /** A live read also reads what the security audit needs (observe/kube KubeSourceOptions.posture). */
  posture?: boolean;
  /** Where credentials come from (Prometheus auth); the CLI passes process.env. */
  env: NodeJS.ProcessEnv;
  /** Changes merged recently, for the cooldown; read after observing. Default: none. */
  recentChanges?: () => Promise<readonly RecentChange[]>;
  /** The PHRs on the base branch, for the learning loop (src/analyze/outcomes.ts); read after observing. Default: none. */
  pastProposals?: () => Promise<readonly PastProposal[]>;
  /**
   * Replaces the classifier's findings as decide's input (its probe fixes become probe proposals): tests feed
   * a hand-made finding through. Default: the diagnosis of the observed cluster.
   */
  diagnose?: (observation: Observation, state: ClusterState) => readonly Finding[];
  /** Replaces observeCluster: the agent observes from its watch's cache. Default: observeCluster. */
  observe?: () => Promise<Observation>;
  /** The diagnosis of what `observe` gives, when the caller has made it already (the agent: one per reaction). */
  diagnosis?: Diagnosis;
}

export interface PipelineResult {
  observation: Observation;
  /** The observed state, narrowed to --workload. */
  state: ClusterState;
  policy: Policy;
  findings: Findings;
  /** The whole cluster's CPU and memory against its nodes, forecast a week ahead. */
  capacity: CapacityFinding[];
  decision: RunDecision;
  /** Why pods fail (kopt diagnose), narrowed to --workload: its probe fixes are in the decision, its
   * incidents go to incident issues. */
  diagnosis: Diagnosis;
  /** What past outcomes taught, per workload and kind (already applied to findings and decision). */
  learned: LearnedFor[];
}

export async function runPipeline(input: PipelineInput): Promise<PipelineResult> {
  const { loaded } = input;
  const observation = input.observe
    ? await input.observe()
    : await observeCluster(
        { root: input.root, loaded },
        {
          snapshot: input.snapshot,
          now: input.now,
          prometheusUrl: input.prometheusUrl,
          env: input.env,
          posture: input.posture === true,
        },
      );
  if (loaded) checkMappedWorkloads(loaded, observation.state);
  const state = selectWorkload(observation.state, input.workload);
  const policy = loaded?.policy ?? policyFromConfig(undefined);
  const past = (await input.pastProposals?.()) ?? [];
  const learned = learnFromOutcomes(past, policy, observation.state.observedAt);
  const findings = await analyzeFindings(state, observation.usage, policy, learned, input.env);
  const capacity = analyzeCapacity(observation.state, observation.usage, policy.rightsize.historyWindowHours);
  const recent = (await input.recentChanges?.()) ?? [];
  const diagnosis =
    input.diagnosis ?? diagnoseObserved(observation, input.workload ? state.workloads[0]?.ref : undefined);
  const diagnosed = input.diagnose?.(observation, state) ?? diagnosis.findings;
  const mappings = loaded?.config.workloads ?? [];
  const decision = decide(state, findings, policy, mappings, recent, diagnosed, learned);
  return { observation, state, policy, findings, capacity, decision, diagnosis, learned };
}

/** The workloads' findings: in worker threads when KOPT_ANALYSIS_WORKERS asks for them (analysis-pool.ts). */
async function analyzeFindings(
  state: ClusterState,
  usage: UsageHistory,
  policy: Policy,
  learned: readonly LearnedFor[],
  env: NodeJS.ProcessEnv,
): Promise<Findings> {
  const { analysisWorkersFromEnv, analyzeWorkloadsPooled } = await import("./analysis-pool.ts");
  const workers = analysisWorkersFromEnv(env);
  if (workers <= 1) return analyzeWorkloads(state, usage, policy, learned);
  return analyzeWorkloadsPooled(state, usage, policy, learned, { workers });
}

/**
 * The diagnosis of what was observed, judged at the observation's time, redacted and bounded at the edge.
 * With a memo (the agent's), each object is redacted once while it is unchanged.
 */
export function diagnoseObserved(
  observation: Observation,
  only?: { namespace: string; name: string },
  memo?: ObservationMemo,
): Diagnosis {
  const { snapshot, usage, logsReadable } = observation.raw;
  return diagnose(
    diagnoseInputOf({
      snapshot,
      usage,
      logsReadable,
      now: observation.state.observedAt,
      ...(only ? { workload: { namespace: only.namespace, name: only.name } } : {}),
      ...(memo ? { redactObjects: (objects) => redactedObjects(objects, memo.redacted) } : {}),
    }),
  );
}
