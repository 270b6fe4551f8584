// Runs verify's pure step for one PHR against the ports: each `ask` / `measure` is answered and the step
// called again, so the cluster is asked only what the PHR's stage needs (no metrics before the apply).
import { type VerifyStep, type VerifyStepInput, verifyStep } from "../../decide/verify-step.ts";
import type { WorkloadRef } from "../../model/types.ts";
import type { GitOpsTarget, RolloutState } from "../../model/verify.ts";
import { redactDeep } from "../../redact.ts";
import type { PhrChange, VerifySources } from "./ports.ts";

/** The decision for one PHR, with the baseline it was judged on (the PHR records it). */
export async function decide(
  input: VerifyStepInput,
  sources: VerifySources,
  /** Asked only for a PHR waiting for its apply; undefined for the others. */
  target: GitOpsTarget | undefined,
): Promise<{ step: Exclude<VerifyStep, { do: "ask" | "measure" }>; input: VerifyStepInput }> {
  let i = input;
  const workloads = i.front.workloads as WorkloadRef[];
  // Four rounds at most: gitops, rollout, metrics, decision.
  for (let round = 0; round < 4; round++) {
    const step = verifyStep(i);
    if (step.do === "ask" && step.port === "gitops") {
      if (!target) throw new Error("verify: the GitOps target was not resolved"); // a bug, not input
      const sha = i.front.merge?.sha as string;
      // What Argo CD or Flux says (a sync error can quote a repository URL with its credentials) reaches the
      // PHR, the comments and the pull requests: redacted here, where it enters.
      i = { ...i, gitops: redactDeep(await sources.gitops.applied(target, sha)) };
    } else if (step.do === "ask") {
      i = { ...i, rollout: redactDeep(await rolloutOf(sources, workloads, i.front.changes)) };
    } else if (step.do === "measure") {
      // The PHR's first workload carries the figures (kopt proposes one workload per change).
      const w = workloads[0] as WorkloadRef;
      const { baseline, gate, window } = step.windows;
      const before = await sources.metrics.measure(w, baseline);
      i = {
        ...i,
        metrics: {
          baseline: before.samples > 0 ? before : null,
          gate: await sources.metrics.measure(w, gate),
          window: await sources.metrics.measure(w, window),
        },
      };
    } else {
      return { step, input: i };
    }
  }
  throw new Error("verify: the step kept asking"); // a bug in verifyStep, not an input problem
}

/** Every workload of the change: mismatch wins, then progressing; rolled out when all are. */
async function rolloutOf(
  sources: VerifySources,
  workloads: WorkloadRef[],
  changes: readonly PhrChange[],
): Promise<RolloutState> {
  const states: RolloutState[] = [];
  for (const w of workloads) states.push(await sources.rollout.rollout(w, changes));
  const worst = states.find((s) => s.state === "mismatch") ?? states.find((s) => s.state === "progressing");
  if (worst) return worst;
  const starts = states.flatMap((s) => (s.startedAt ? [s.startedAt] : [])).sort();
  return {
    state: "rolled-out",
    startedAt: starts[0] ?? null,
    reason: states.map((s) => s.reason).join("; "),
  };
}
