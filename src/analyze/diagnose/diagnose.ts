// `kopt diagnose`'s classifier (issue 14): raw pods, events, nodes and owners, the containers' logs and
// memory history in; findings (one per workload, container and class), incidents (findings sharing a cause)
// and warnings (input it could not read) out. Pure and deterministic: `now` comes in, output is sorted.

import type { DiagnoseInput, Diagnosis, Finding } from "../../model/finding.ts";
import type { Candidate } from "./candidate.ts";
import { type ClusterIndex, indexCluster, type PodRecord } from "./cluster-index.ts";
import { type CausedFinding, correlate } from "./correlate.ts";
import { workloadKeyOf } from "./fingerprint.ts";
import { candidateKey, foldCandidates } from "./fold.ts";
import { type PodRule, podCandidates } from "./pod-rules.ts";
import { compareText } from "./read.ts";
import { nodeFindings } from "./rules/nodes.ts";
import { evicted, failedMount, unschedulable } from "./rules/pods.ts";
import { hpaMetrics, stuckRollouts } from "./rules/workloads.ts";

/** Pod-level rules, tried before the containers' (a pod evicted or never scheduled has no container story). */
const POD_RULES: readonly PodRule[] = [evicted, unschedulable, failedMount];

/** Rules over the cluster rather than one pod (nodes, rollouts, autoscalers). */
type ClusterRule = (
  index: ClusterIndex,
  input: DiagnoseInput,
  podFindings: readonly Finding[],
) => Candidate[];
const CLUSTER_RULES: readonly ClusterRule[] = [nodeFindings, stuckRollouts, hpaMetrics];

function wanted(input: DiagnoseInput) {
  const w = input.workload;
  return (c: { workload: { namespace: string; name: string } | null }) =>
    !w || (c.workload !== null && c.workload.namespace === w.namespace && c.workload.name === w.name);
}

function podsByWorkload(pods: readonly PodRecord[]): Map<string, PodRecord[]> {
  const byWorkload = new Map<string, PodRecord[]>();
  for (const pod of pods) {
    const key = workloadKeyOf(pod.workload);
    const list = byWorkload.get(key);
    if (list) list.push(pod);
    else byWorkload.set(key, [pod]);
  }
  return byWorkload;
}

function fold(candidates: readonly Candidate[], input: DiagnoseInput): CausedFinding[] {
  const groups = new Map<string, Candidate[]>();
  for (const c of candidates) {
    const key = candidateKey(c);
    const list = groups.get(key);
    if (list) list.push(c);
    else groups.set(key, [c]);
  }
  return [...groups.values()].map((group) => {
    const caused = foldCandidates(group);
    if (!input.logsReadable) caused.finding.evidence.logsUnavailable = true;
    return caused;
  });
}

const sortKey = (f: Finding) =>
  `${f.workload ? workloadKeyOf(f.workload) : `~node/${f.node}`}|${f.container ?? ""}|${f.class}`;

export function diagnose(input: DiagnoseInput): Diagnosis {
  const index = indexCluster(input.objects);
  const keep = wanted(input);
  const candidates: Candidate[] = [];
  for (const pods of podsByWorkload(index.pods).values()) {
    if (!keep(pods[0] as PodRecord)) continue;
    for (const pod of pods) candidates.push(...podCandidates(pod, pods, index, input, POD_RULES));
  }
  const podFindings = fold(candidates, input);
  const clusterFindings = fold(
    CLUSTER_RULES.flatMap((rule) =>
      rule(
        index,
        input,
        podFindings.map((c) => c.finding),
      ),
    ).filter((c) => !input.workload || keep(c)),
    input,
  );
  const caused = [...podFindings, ...clusterFindings].sort((a, b) =>
    compareText(sortKey(a.finding), sortKey(b.finding)),
  );
  return {
    findings: caused.map((c) => c.finding),
    incidents: correlate(caused),
    warnings: [...index.warnings],
  };
}
